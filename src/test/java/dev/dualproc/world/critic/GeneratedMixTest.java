package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated items mixed into training steps, and the agreement table measured on them. */
class GeneratedMixTest {
  @TempDir Path dir;
  static GeneratedVqa vqa;

  @BeforeAll static void pool() { vqa = new GeneratedVqa(GeneratedVqaTest.standInPool(45), VqaGenerator.TASKS); }

  @Test void fractionZeroIsTheRenderedStreamAndAHalfPutsGeneratedItemsLast() {
    CriticConfig c = CriticConfig.micro(); // batch 4, 2 caption items
    CriticTrainer.ItemSource none = GeneratedMix.source(7, c, vqa, new GeneratedMix.Settings(0, 45, "world").perStep(c.batch()));
    CriticTrainer.ItemSource half = GeneratedMix.source(7, c, vqa, new GeneratedMix.Settings(0.5, 45, "world").perStep(c.batch()));
    for (long step = 0; step < 3; step++) {
      List<VqaItem> plain = VqaBatches.items(7, step * 4, 4, c.tasks()), mixed = half.items(step * 4, 4);
      assertThat(none.items(step * 4, 4)).extracting(VqaItem::question).containsExactlyElementsOf(plain.stream().map(VqaItem::question).toList());
      assertThat(mixed.subList(0, 2)).extracting(VqaItem::question)
          .containsExactlyElementsOf(VqaBatches.items(7, step * 2, 2, c.tasks()).stream().map(VqaItem::question).toList());
      assertThat(mixed.subList(0, 2)).allSatisfy(it -> assertThat(it.truth()).isNotNull());
      assertThat(mixed.subList(2, 4)).extracting(VqaItem::question)
          .containsExactlyElementsOf(vqa.items(7, step * 2, 2).stream().map(VqaItem::question).toList());
      assertThat(mixed.subList(2, 4)).allSatisfy(it -> assertThat(it.truth()).as("a generated item").isNull());
    }
    assertThatThrownBy(() -> GeneratedMix.source(7, c, vqa, 3)).isInstanceOf(DualprocException.class).hasMessageContaining("caption items");
  }

  @Test void mixedTrainingResumesExactlyAndKeepsItsSettings() {
    CriticConfig c = CriticConfig.micro().withProbeWeight(0.5); // the patch probe learns from the rendered items only
    Map<String, float[]> straight = new TreeMap<>(), resumed = new TreeMap<>();
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("a"), c, 11, Placement.cpu())) {
      t.source(GeneratedMix.source(11, c, vqa, 2));
      for (int i = 0; i < 3; i++) t.trainStep();
      t.weights().forEach((k, v) -> straight.put(k, Tensors.floats(v)));
    }
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("b"), c, 11, Placement.cpu())) {
      t.source(GeneratedMix.source(11, c, vqa, 2));
      t.trainStep();
      t.save();
    }
    GeneratedMix.write(dir.resolve("b"), new GeneratedMix.Settings(0.5, 45, "world"));
    assertThat(GeneratedMix.read(dir.resolve("b"))).isEqualTo(new GeneratedMix.Settings(0.5, 45, "world"));
    try (CriticTrainer t = CriticTrainer.resume(dir.resolve("b"), null, Placement.cpu())) {
      t.source(GeneratedMix.source(11, c, vqa, GeneratedMix.read(dir.resolve("b")).perStep(c.batch())));
      t.trainStep();
      t.trainStep();
      t.weights().forEach((k, v) -> resumed.put(k, Tensors.floats(v)));
    }
    straight.forEach((k, v) -> assertThat(resumed.get(k)).as(k).containsExactly(v));
  }

  @Test void agreementTableHasEveryFamily() {
    int n = 64;
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("s"), CriticConfig.micro(), 2, Placement.cpu())) {
      GeneratedAgreement a = GeneratedAgreement.measure(t.critic(), vqa.pool(), n, 32, "stand-in");
      String table = a.table();
      for (String family : VqaGenerator.TASKS) assertThat(table).contains("| " + family + " |");
      assertThat(table).contains("| time-of-day | 0 | not asked |").contains("agreement with the verifiers").contains("Overall agreement");
      for (String family : GeneratedVqa.TASKS) assertThat(a.agreement().byTask().get(family)[1]).as(family).isEqualTo(8);
      // recount: the critic's Yes/No against the verifier-derived answers of the same held-out items
      List<VqaItem> items = vqa.items(VqaBatches.EVAL_STREAM, 0, n);
      int agree = 0;
      for (int from = 0; from < n; from += 32) {
        List<VqaItem> part = items.subList(from, from + 32);
        try (NoGradGuard g = new NoGradGuard()) {
          List<Tensor> images = new ArrayList<>();
          List<PreparedQuestion> qs = new ArrayList<>();
          for (VqaItem it : part) { images.add(Images.toTensor(it.image())); qs.add(t.critic().prepare(it.question(), it.answer())); }
          boolean[] yes = AnswerBatch.of(t.critic(), images, qs).saysYes();
          for (int i = 0; i < part.size(); i++) if (yes[i] == part.get(i).yes()) agree++;
        }
      }
      assertThat(a.agreement().overall()).isEqualTo(agree / (double) n);

      // the model card carries the table when it is measured
      Path out = dir.resolve("vlm");
      CriticExport.export(t, out, 9, "test", "Generated images mixed in: test.", c -> GeneratedAgreement.measure(c, vqa.pool(), 16, 16, "stand-in"));
      assertThat(out.resolve("MODEL_CARD.md")).content().contains("Generated images mixed in: test.")
          .contains("## Agreement with the verifiers on generated images").contains("| time-of-day | 0 | not asked |")
          .contains("| depth | 2 |").contains("--generated 45");
      CriticExport.export(t, dir.resolve("vlm2"), 9, "test");
      assertThat(dir.resolve("vlm2/MODEL_CARD.md")).content().doesNotContain("## Agreement with the verifiers").contains("Generated images are not in this model's data.");
    }
  }
}
