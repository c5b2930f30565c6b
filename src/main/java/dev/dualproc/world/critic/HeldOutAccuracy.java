package dev.dualproc.world.critic;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Yes/No accuracy per question family (VqaGenerator.TASKS) on a held-out stream of rendered VQA items (overlays and
 * hacked bands included): the critic says Yes when its Yes logit beats its No logit at the answer position.
 */
public record HeldOutAccuracy(long stream, Map<String, int[]> byTask) {

  public static HeldOutAccuracy measure(IdeficsCritic critic, long stream, int n, int batch) {
    return measure(critic, stream, n, batch, (first, size) -> VqaBatches.items(stream, first, size));
  }

  /** The same over items 0 .. n - 1 of any source (generated images: the agreement with the verifiers' answers). */
  public static HeldOutAccuracy measure(IdeficsCritic critic, long stream, int n, int batch, CriticTrainer.ItemSource source) {
    Map<String, int[]> by = new LinkedHashMap<>();
    for (String t : VqaGenerator.TASKS) by.put(t, new int[2]);
    for (long first = 0; first < n; first += batch) {
      int size = (int) Math.min(batch, n - first);
      List<VqaItem> items = source.items(first, size);
      StepScope.run(() -> {
        try (NoGradGuard g = new NoGradGuard()) {
          List<Tensor> images = new ArrayList<>();
          List<PreparedQuestion> qs = new ArrayList<>();
          for (VqaItem it : items) { images.add(Images.toTensor(it.image())); qs.add(critic.prepare(it.question(), it.answer())); }
          AnswerBatch r = AnswerBatch.of(critic, images, qs);
          for (int i = 0; i < size; i++) {
            int[] c = by.get(items.get(i).task());
            c[1]++;
            if (r.saysYes()[i] == items.get(i).yes()) c[0]++;
          }
        }
      });
    }
    return new HeldOutAccuracy(stream, by);
  }

  public double accuracy(String task) { int[] c = byTask.get(task); return c[1] == 0 ? Double.NaN : c[0] / (double) c[1]; }

  /** The lowest accuracy over the families (the must-show asks >= 0.95 for each). */
  public double worst() { return byTask.keySet().stream().mapToDouble(this::accuracy).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN); }

  public double overall() {
    int ok = 0, all = 0;
    for (int[] c : byTask.values()) { ok += c[0]; all += c[1]; }
    return all == 0 ? Double.NaN : ok / (double) all;
  }

  /** A markdown table: family, items, accuracy. */
  public String table() { return table("accuracy"); }

  /** A markdown table: family, items, {@code measure} (a family with no items: "not asked"). */
  public String table(String measure) {
    StringBuilder b = new StringBuilder("| question family | items | " + measure + " |\n|---|---|---|\n");
    byTask.forEach((t, c) -> b.append(c[1] == 0 ? String.format(Locale.ROOT, "| %s | 0 | not asked |%n", t)
        : String.format(Locale.ROOT, "| %s | %d | %.1f%% |%n", t, c[1], 100 * accuracy(t))));
    int all = byTask.values().stream().mapToInt(c -> c[1]).sum();
    b.append(String.format(Locale.ROOT, "| **all** | %d | %.1f%% |%n", all, 100 * overall()));
    return b.toString();
  }

  /** One line for logs: {@code acc 0.912 (objects 0.95 colours 0.90 ...)}. */
  public String line() {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "acc %.3f (", overall()));
    byTask.forEach((t, c) -> b.append(String.format(Locale.ROOT, "%s %.2f ", t, accuracy(t))));
    return b.toString().stripTrailing() + ")";
  }

  public Map<String, Double> asMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    byTask.keySet().forEach(t -> m.put(t, accuracy(t)));
    return m;
  }
}
