package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.distill.Critic;
import dev.dualproc.distill.Critics;
import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.DualprocHome;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.VqaItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the micro config: its folder is a working IdeficsCritic, its loss is the critic's, resume is exact. */
class CriticTrainerTest {
  @TempDir Path dir;

  @Test void trainedFolderLoadsAnswersAndOpensAsWorld() {
    Path out = dir.resolve("models").resolve(WorldCritic.FOLDER);
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("state"), CriticConfig.micro(), 3, Placement.cpu())) {
      for (int i = 0; i < 3; i++) assertThat(t.trainStep().loss()).isFinite();
      HeldOutAccuracy a = CriticExport.export(t, out, 18, "test");
      assertThat(a.byTask().values().stream().mapToInt(c -> c[1]).sum()).isEqualTo(18);
    }
    assertThat(out.resolve("MODEL_CARD.md")).content().contains("| horizon | 2 |").contains("700000001");
    List<VqaItem> items = VqaBatches.items(VqaBatches.EVAL_STREAM, 0, 5);
    try (IdeficsCritic c = IdeficsCritic.load(out, Placement.cpu()); NoGradGuard g = new NoGradGuard()) {
      assertThat(c.model.report.unmatched()).isEmpty();
      List<Tensor> images = new ArrayList<>();
      List<PreparedQuestion> qs = new ArrayList<>();
      double sum = 0;
      for (VqaItem it : items) {
        Tensor image = Images.toTensor(it.image());
        PreparedQuestion q = c.prepare(it.question(), it.answer());
        images.add(image);
        qs.add(q);
        double single = Tensors.item(c.answerLoss(image, q));
        sum += single;
        Critic.Answer answer = c.answer(image, q);
        assertThat(answer.p()).isCloseTo(Math.exp(-single), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(answer.greedy()).doesNotContain("<");
      }
      // the batched training loss is the mean of the critic's own answer losses
      AnswerBatch b = AnswerBatch.of(c, images, qs);
      assertThat(Tensors.item(b.answerLoss())).isCloseTo(sum / items.size(), org.assertj.core.data.Offset.offset(1e-5));
      for (int i = 0; i < items.size(); i++)
        assertThat(b.itemLoss()[i]).isCloseTo(Tensors.item(c.answerLoss(images.get(i), qs.get(i))), org.assertj.core.data.Offset.offset(1e-5));
    }
    String before = System.getProperty(DualprocHome.PROPERTY);
    try {
      System.setProperty(DualprocHome.PROPERTY, dir.toString());
      try (Critic c = Critics.open("world", Placement.cpu())) {
        assertThat(c.identity()).isEqualTo(out.toString());
      }
      System.setProperty(DualprocHome.PROPERTY, dir.resolve("elsewhere").toString());
      assertThatThrownBy(() -> Critics.open("world", Placement.cpu())).isInstanceOf(DualprocException.class)
          .hasMessageContaining("run dualproc world train vlm");
    } finally {
      if (before == null) System.clearProperty(DualprocHome.PROPERTY); else System.setProperty(DualprocHome.PROPERTY, before);
    }
  }

  @Test void stopAndResumeGivesTheSameWeightsAsOneRun() {
    CriticConfig config = CriticConfig.micro().withAutocast(true); // the configs that train for real use bf16 autocast
    resumeIsExact(config, "");
    assertThatThrownBy(() -> CriticTrainer.resume(dir.resolve("b"), config.withBatch(8), Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("was started with config");
    assertThatThrownBy(() -> CriticTrainer.start(dir.resolve("b"), config, 11, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("holds a run already");
  }

  @Test void withThePatchProbeResumeIsExactToo() {
    resumeIsExact(CriticConfig.micro().withAutocast(true).withProbeWeight(1.0), "probe-");
  }

  @Test void theVisionPhaseTrainsTheTowerAloneThenTheWholeModelAndResumesExactly() {
    CriticConfig config = CriticConfig.micro().withAutocast(true).withProbeWeight(1.0).withVisionSteps(2);
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("vision"), config, 11, Placement.cpu())) {
      Map<String, float[]> before = new java.util.TreeMap<>();
      t.weights().forEach((k, v) -> before.put(k, Tensors.floats(v)));
      CriticTrainer.StepResult r = t.trainStep();
      assertThat(r.probeLoss()).isPositive();
      t.trainStep();
      t.weights().forEach((k, v) -> {
        boolean vision = k.startsWith("model.vision_model.");
        boolean same = java.util.Arrays.equals(before.get(k), Tensors.floats(v));
        if (!vision) assertThat(same).as(k + " stays during the vision phase").isTrue();
      });
      assertThat(t.weights().entrySet().stream().filter(e -> e.getKey().startsWith("model.vision_model."))
          .anyMatch(e -> !java.util.Arrays.equals(before.get(e.getKey()), Tensors.floats(e.getValue())))).as("the tower moves").isTrue();
      t.trainStep(); // step 3: the whole model
      assertThat(java.util.Arrays.equals(before.get("model.text_model.norm.weight"), Tensors.floats(t.weights().get("model.text_model.norm.weight")))).isFalse();
      Path out = dir.resolve("vision-export");
      CriticExport.export(t, out, 9, "test");
      assertThat(out.resolve("MODEL_CARD.md")).content().contains("The first 2 steps trained the vision tower alone").contains("QuestionProbe")
          .contains("docs/critic-study.md");
    }
    resumeIsExact(config, "vision-");
    assertThatThrownBy(() -> CriticConfig.micro().withVisionSteps(5)).isInstanceOf(DualprocException.class).hasMessageContaining("--probe-weight");
  }

  @Test void theColumnProbeAddsToTheProbeLossAndResumesExactly() {
    CriticConfig plain = CriticConfig.micro().withTasks(java.util.List.of("left-right", "objects")).withProbeWeight(1.0);
    double[] loss = new double[2];
    for (int i = 0; i < 2; i++)
      try (CriticTrainer t = CriticTrainer.start(dir.resolve("columns-" + i), plain.withProbeColumns(i == 1), 11, Placement.cpu())) {
        loss[i] = t.trainStep().probeLoss();
      }
    assertThat(loss[1]).as("the left-right items' named columns join the probe loss").isNotEqualTo(loss[0]);
    resumeIsExact(plain.withProbeColumns(true), "columns-resume-");
    assertThatThrownBy(() -> CriticConfig.micro().withProbeColumns(true)).isInstanceOf(DualprocException.class).hasMessageContaining("--probe-weight");
  }

  @Test void withThePatchProbeValidationReportsWhatTheProbesRead() {
    java.util.List<String> lines = new java.util.ArrayList<>();
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("readout"), CriticConfig.micro().withProbeWeight(1.0), 11, Placement.cpu())) {
      t.train(new CriticTrainer.Schedule(2, 0, 0, 2, 18), () -> false, lines::add);
    }
    String readout = lines.stream().filter(l -> l.contains("probe readout")).findFirst().orElseThrow();
    var m = java.util.regex.Pattern.compile("kinds present ([0-9.]+), kind\\+colour pairs ([0-9.]+) .*one kind present or not ([0-9.]+), object patches named ([0-9.]+|NaN), overlay truth ([0-9.]+|NaN), left-right order ([0-9.]+|NaN); question family ([0-9.]+), first kind asked ([0-9.]+)").matcher(readout);
    assertThat(m.find()).as(readout).isTrue();
    for (int g = 1; g <= 8; g++) if (!m.group(g).equals("NaN")) assertThat(Double.parseDouble(m.group(g))).as(readout).isBetween(0.0, 1.0);
  }

  private void resumeIsExact(CriticConfig config, String tag) {
    Map<String, float[]> straight = new java.util.TreeMap<>(), resumed = new java.util.TreeMap<>();
    java.nio.file.Path a = dir.resolve(tag + "a"), b = dir.resolve(tag + "b");
    double[] probeLoss = new double[1];
    try (CriticTrainer t = CriticTrainer.start(a, config, 11, Placement.cpu())) {
      for (int i = 0; i < 4; i++) probeLoss[0] = t.trainStep().probeLoss();
      t.weights().forEach((k, v) -> straight.put(k, Tensors.floats(v)));
    }
    assertThat(probeLoss[0] > 0).as("probe loss %s with probe weight %s", probeLoss[0], config.probeWeight()).isEqualTo(config.probeWeight() > 0);
    try (CriticTrainer t = CriticTrainer.start(b, config, 11, Placement.cpu())) {
      for (int i = 0; i < 2; i++) t.trainStep();
      t.save();
      t.trainStep(); // lost: the run is killed after this step, before its next checkpoint
    }
    try (CriticTrainer t = CriticTrainer.resume(b, null, Placement.cpu())) {
      assertThat(t.step()).isEqualTo(2);
      assertThat(t.seed).isEqualTo(11);
      t.train(new CriticTrainer.Schedule(4, 0, 0, 0, 0), () -> false, line -> { });
      assertThat(t.step()).isEqualTo(4);
      t.weights().forEach((k, v) -> resumed.put(k, Tensors.floats(v)));
    }
    assertThat(resumed.keySet()).isEqualTo(straight.keySet());
    straight.forEach((k, v) -> assertThat(resumed.get(k)).as(k).containsExactly(v));
    assertThat(straight.values().stream().anyMatch(v -> v.length > 0)).isTrue();
  }
}
