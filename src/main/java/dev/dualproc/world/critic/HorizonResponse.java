package dev.dualproc.world.critic;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.tasks.Overlays;
import dev.dualproc.world.SceneRenderer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A critic's p(Yes) to the horizon question against the red line's distance from the true horizon, on held-out rendered
 * scenes: the curve whose log is the answer loss teaching follows. Where log p is flat, a horizon that far from the line
 * gets no pull towards it; where p is high off the line, teaching stops short of it.
 *
 * @param distances px at 64 between the line and the horizon (above it on even scenes, below on odd ones, where it fits)
 * @param meanP mean p(Yes) at each distance
 * @param meanLogP mean log p(Yes) at each distance
 * @param meanLogPAbove mean log p(Yes) with the line that far above the horizon (in the sky), every scene where it fits
 * @param meanLogPBelow the same with the line below the horizon (on the ground): teaching follows the difference, so an
 *     asymmetry pulls a taught horizon past the line on one side
 * @param scenes scenes measured
 */
public record HorizonResponse(double[] distances, double[] meanP, double[] meanLogP, double[] meanLogPAbove, double[] meanLogPBelow, int scenes) {
  public static final double[] DISTANCES = {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20};
  /** Held-out scene seeds (the VQA streams draw 64-bit scene seeds, the generator's held-out figures use 2,000,000 on). */
  public static final long FIRST_SEED = 9_100_000L;
  static final String QUESTION = "Is the overlaid red line aligned with the horizon of the scene?";

  public static HorizonResponse measure(IdeficsCritic critic, int scenes) {
    int k = DISTANCES.length;
    double[] p = new double[k], logP = new double[k], above = new double[k], below = new double[k];
    int[] count = new int[k], nAbove = new int[k], nBelow = new int[k];
    PreparedQuestion q = critic.prepare(QUESTION, "Yes");
    for (int s = 0; s < scenes; s++) {
      SceneRenderer.Rendered r = SceneRenderer.render(FIRST_SEED + s, CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE);
      double h = r.truth().horizonRow(), size = r.image().getHeight();
      List<Tensor> images = new ArrayList<>();
      List<int[]> at = new ArrayList<>(); // (distance index, side: -1 above, +1 below)
      for (int i = 0; i < k; i++) {
        double d = DISTANCES[i] * size / 64.0;
        for (int side : d == 0 ? new int[] {-1} : new int[] {-1, 1}) {
          double row = h + side * d;
          if (row < 2 || row > size - 2) continue;
          var overlay = Overlays.render("horizon", Map.of("value", row / size), r.image().getWidth(), r.image().getHeight());
          images.add(Images.toTensor(Overlays.transparent(r.image(), overlay)));
          at.add(new int[] {i, side});
        }
      }
      if (images.isEmpty()) continue;
      int preferred = s % 2 == 0 ? -1 : 1;
      StepScope.run(() -> {
        try (NoGradGuard g = new NoGradGuard()) {
          AnswerBatch b = AnswerBatch.of(critic, images, Collections.nCopies(images.size(), q));
          double[][] lp = new double[k][];
          for (int j = 0; j < at.size(); j++) {
            int i = at.get(j)[0], side = at.get(j)[1];
            double l = -b.itemLoss()[j];
            if (lp[i] == null) lp[i] = new double[] {Double.NaN, Double.NaN};
            lp[i][side < 0 ? 0 : 1] = l;
            if (side < 0 || DISTANCES[i] == 0) { above[i] += l; nAbove[i]++; }
            if (side > 0 || DISTANCES[i] == 0) { below[i] += l; nBelow[i]++; }
          }
          for (int i = 0; i < k; i++) {
            if (lp[i] == null) continue;
            // the scene's side where it fits, else the other (as the curve has always been measured)
            double l = !Double.isNaN(lp[i][preferred < 0 ? 0 : 1]) ? lp[i][preferred < 0 ? 0 : 1] : lp[i][preferred < 0 ? 1 : 0];
            p[i] += Math.exp(l);
            logP[i] += l;
            count[i]++;
          }
        }
      });
    }
    for (int i = 0; i < k; i++) {
      p[i] /= Math.max(1, count[i]); logP[i] /= Math.max(1, count[i]);
      above[i] /= Math.max(1, nAbove[i]); below[i] /= Math.max(1, nBelow[i]);
    }
    return new HorizonResponse(DISTANCES.clone(), p, logP, above, below, scenes);
  }

  /** A markdown table: one row per distance. */
  public String table() {
    StringBuilder b = new StringBuilder("| line to horizon (px at 64) | mean p(Yes) | mean log p(Yes) | log p, line above (sky) | log p, line below (ground) |\n|---|---|---|---|---|\n");
    for (int i = 0; i < distances.length; i++)
      b.append(String.format(Locale.ROOT, "| %.0f | %.3f | %.2f | %.2f | %.2f |%n", distances[i], meanP[i], meanLogP[i], meanLogPAbove[i], meanLogPBelow[i]));
    return b.toString();
  }
}
