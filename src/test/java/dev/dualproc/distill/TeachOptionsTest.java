package dev.dualproc.distill;

import static dev.dualproc.distill.TeachFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.cli.TeachCommand;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Lora;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The teach options beyond the reference (views, critic ensembles, anchor_weight, their spec fields) on the tiny test models. */
class TeachOptionsTest {
  @TempDir Path tmp;
  static final ObjectMapper JSON = new ObjectMapper();

  TaskSpec resolve(String yaml) { return TaskSpecCheck.resolve(TaskSpecYaml.fromTree(TaskSpecYaml.tree(yaml, "test"), "test"), tmp); }

  static final String Q = "prompts: [a man]\nquestions: [{question: 'Is the man smiling?', answer: Yes}]\n";

  /** A tiny critic whose answer weights also depend on {@code salt}: a second, different critic. */
  static Critic salted(String salt) {
    return new TinyCritic() {
      @Override public String identity() { return "tiny-test-critic" + salt; }
      @Override public PreparedQuestion prepare(String question, String answer) {
        return new PreparedQuestion(question, answer, super.prepare(question + salt, answer).tokens());
      }
    };
  }

  /** Critic refs are folders; the critic's salt is the folder's name. */
  static final Models SALTED = new Models(TinyModels.MODELS.generator(), (ref, p) -> salted(Path.of(ref).getFileName().toString()));

  @Test void theDefaultsAreTheReferenceAndAreRecordedInTaskYaml() throws Exception {
    TaskSpec s = resolve(Q);
    assertThat(s.loraTargets()).containsExactly("all");
    assertThat(s.views()).isEqualTo(1);
    assertThat(s.viewAugment()).isNull();
    assertThat(s.anchorWeight()).isEqualTo(0.0);
    assertThat(s.critics()).isNull();
    assertThat(s.criticRefs()).containsExactly("world");
    String yaml = TaskSpecYaml.write(s);
    assertThat(yaml).contains("lora_targets:\n- all", "views: 1", "anchor_weight: 0.0").doesNotContain("critics", "view_augment");
    assertThat(resolve(yaml)).isEqualTo(s);
    TaskSpec v = resolve(Q + "views: 4\n");
    assertThat(v.viewAugment()).as("several views get the default augmentation").isEqualTo(new TaskSpec.ViewAugment(2, 1.0, 0.02, 0L, false));
    assertThat(resolve(Q + "views: 3\nview_augment: {shift: 0, noise: 0.1}\n").viewAugment()).isEqualTo(new TaskSpec.ViewAugment(0, 1.0, 0.1, 0L, false));
  }

  @Test void badOptionsFailNamingTheField() {
    Path a = tmp.resolve("a"), b = tmp.resolve("b");
    a.toFile().mkdirs(); b.toFile().mkdirs();
    assertThatThrownBy(() -> resolve(Q + "views: 0\n")).isInstanceOf(DualprocException.class).hasMessageStartingWith("views: expected 1..64");
    assertThatThrownBy(() -> resolve(Q + "views: 2\nview_augment: {noise: 2}\n")).hasMessageStartingWith("view_augment.noise:");
    assertThatThrownBy(() -> resolve(Q + "view_augment: {blur: -1}\n")).hasMessageStartingWith("view_augment.blur:");
    assertThatThrownBy(() -> resolve(Q + "view_augment: {sharpen: 1}\n")).hasMessageStartingWith("view_augment.sharpen: unknown field");
    assertThatThrownBy(() -> resolve(Q + "anchor_weight: -1\n")).hasMessageStartingWith("anchor_weight: expected");
    assertThatThrownBy(() -> resolve(Q + "lora_targets: [all, 'attn-out']\n")).hasMessageStartingWith("lora_targets[1]: 'attn-out' is neither a group");
    assertThatThrownBy(() -> resolve(Q + "critic: " + a + "\ncritics: [" + a + ", " + b + "]\n")).hasMessageStartingWith("critic, critics: give one");
    assertThatThrownBy(() -> resolve(Q + "critics: [" + a + ", " + tmp.resolve("nope") + "]\n")).hasMessageStartingWith("critics[1]: no such model folder");
  }

  @Test void anEnsembleIsWrittenAsCriticsAndCriticAcceptsAList() {
    Path a = tmp.resolve("a"), b = tmp.resolve("b");
    a.toFile().mkdirs(); b.toFile().mkdirs();
    TaskSpec s = resolve(Q + "critic: [" + a + ", " + b + "]\n");
    assertThat(s.critic()).isNull();
    assertThat(s.critics()).containsExactly(a.toString(), b.toString());
    assertThat(s.criticRefs()).containsExactly(a.toString(), b.toString());
    assertThat(resolve(TaskSpecYaml.write(s))).isEqualTo(s);
    TaskSpec one = resolve(Q + "critics: [" + a + "]\n");
    assertThat(one.critic()).as("one critic in a list is the plain form").isEqualTo(a.toString());
    assertThat(one.critics()).isNull();
  }

  @Test void theFlagsMapToTheSpecFields() {
    TeachCommand cmd = new TeachCommand(TinyModels.MODELS);
    new CommandLine(cmd).parseArgs("--vlm", "a", "--vlm", "b", "--lora-targets", "context, modulation", "--views", "4",
        "--view-augment", "shift=3", "--view-augment", "noise=0.05", "--anchor-weight", "2.5");
    var n = cmd.flags();
    assertThat(n.get("critics").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(n.has("critic")).isFalse();
    assertThat(n.get("lora_targets").toString()).isEqualTo("[\"context\",\"modulation\"]");
    assertThat(n.get("views").asInt()).isEqualTo(4);
    assertThat(n.get("view_augment").toString()).isEqualTo("{\"shift\":3,\"noise\":0.05}");
    assertThat(n.get("anchor_weight").asDouble()).isEqualTo(2.5);
    TeachCommand one = new TeachCommand(TinyModels.MODELS);
    new CommandLine(one).parseArgs("--vlm", "a");
    assertThat(one.flags().get("critic").asText()).isEqualTo("a");
  }

  @Test void viewsAreSeededPerStepAndKeepTheImageSize() {
    Views views = new Views(4, new TaskSpec.ViewAugment(2, 1.0, 0.02, 0L));
    Tensor image = Rng.normal(5, 1, 3, 16, 16).tanh();
    List<Tensor> a = views.of(image, 3), again = views.of(image, 3), next = views.of(image, 4);
    assertThat(a).hasSize(4);
    for (int k = 0; k < 4; k++) {
      assertThat(Tensors.shape(a.get(k))).containsExactly(1, 3, 16, 16);
      assertThat(Tensors.bytes(again.get(k))).as("view %d of the same step", k).isEqualTo(Tensors.bytes(a.get(k)));
      assertThat(Tensors.bytes(next.get(k))).as("view %d of the next step", k).isNotEqualTo(Tensors.bytes(a.get(k)));
    }
    assertThat(Tensors.bytes(a.get(1))).isNotEqualTo(Tensors.bytes(a.get(0)));
    assertThat(new Views(1, null).of(image, 3)).as("the reference: the image itself").containsExactly(image);
    // a shift moves content and repeats the edge; a blur keeps a constant image constant
    Tensor ramp = Tensors.fromFloats(new float[] {0, 1, 2, 3}, 1, 1, 1, 4);
    assertThat(Tensors.floats(Views.shift(ramp, 1, 0))).containsExactly(0, 0, 1, 2);
    assertThat(Tensors.floats(Views.shift(ramp, -1, 0))).containsExactly(1, 2, 3, 3);
    Tensor flat = Tensors.fromFloats(new float[48], 1, 3, 4, 4).add(Tensors.scalar(0.25));
    for (float v : Tensors.floats(Views.blur(flat, 1.0))) assertThat(v).isCloseTo(0.25f, within(1e-6f));
  }

  @Test void fourViewsAreDeterministicAndAStoppedRunResumesBitIdentical() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 2, 4, 0), critic = TinyModels.criticFolder(tmp);
    Path spec = writeSpec(tmp, spec(gen, critic, 8, 4, "train_n: 5\nviews: 4\nview_augment: {shift: 2, blur: 1.0, noise: 0.05}\n"));
    Path runsA = tmp.resolve("a"), runsC = tmp.resolve("c");
    assertThat(teach("--spec", spec.toString(), "--runs", runsA.toString())).isZero();
    assertThat(teach("--spec", spec.toString(), "--runs", runsC.toString())).isZero();
    Path a = onlyRun(runsA);
    assertThat(Files.readString(a.resolve("task.yaml"))).contains("views: 4", "view_augment:", "shift: 2");
    assertThat(tensorBytes(onlyRun(runsC).resolve("lora.safetensors"))).as("a second run of the same task").containsExactlyEntriesOf(tensorBytes(a.resolve("lora.safetensors")));

    RunFolder b = RunFolder.create(tmp.resolve("b"), TaskSpecCheck.resolve(TaskSpecYaml.read(spec), tmp), java.time.LocalDateTime.now());
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    assertThat(TeachRun.run(b, false, TinyModels.MODELS, new TeachRun.Options(false, stop, r -> { if (r.step() == 6) stop.set(true); })))
        .isEqualTo(TeachRun.Outcome.INTERRUPTED);
    assertThat(teach("--resume", b.dir.toString())).isZero();
    assertThat(tensorBytes(b.lora())).as("resumed LoRA").containsExactlyEntriesOf(tensorBytes(a.resolve("lora.safetensors")));
    List<String> ma = lines(a.resolve("metrics.jsonl")), mb = lines(b.metrics());
    assertThat(mb).hasSize(8);
    for (int i = 0; i < 8; i++) assertThat(TeachLoopTest.withoutSeconds(mb.get(i))).isEqualTo(TeachLoopTest.withoutSeconds(ma.get(i)));

    Path plain = tmp.resolve("plain");
    assertThat(teach("--spec", writeSpec(tmp, spec(gen, critic, 8, 4, "train_n: 5\n")).toString(), "--runs", plain.toString())).isZero();
    assertThat(lines(onlyRun(plain).resolve("metrics.jsonl")).get(0)).as("views change the loss").isNotEqualTo(ma.get(0));
  }

  @Test void anEnsembleOfTwoCriticsGivesTheMeanOfTheirLossesAndP() throws Exception {
    Critic c1 = salted("1"), c2 = salted("2");
    try (CriticEnsemble e = new CriticEnsemble(List.of(c1, c2))) {
      Tensor image = Rng.normal(9, 1, 3, 16, 16).tanh();
      double l1 = Tensors.item(c1.answerLoss(image, c1.prepare("Is it red?", "Yes")));
      double l2 = Tensors.item(c2.answerLoss(image, c2.prepare("Is it red?", "Yes")));
      assertThat(l1).isNotCloseTo(l2, within(1e-3));
      PreparedQuestion q = e.prepare("Is it red?", "Yes");
      Critic.Scored s = e.score(image, q);
      assertThat(Tensors.item(s.loss())).isCloseTo((l1 + l2) / 2, within(1e-6));
      assertThat(s.p()).isCloseTo((Math.exp(-l1) + Math.exp(-l2)) / 2, within(1e-9));
      assertThat(e.answer(image, q).p()).isCloseTo(s.p(), within(1e-6));
      assertThat(e.identity()).isEqualTo("ensemble[tiny-test-critic1, tiny-test-critic2]");
    }

    // end to end: step 1 (the LoRA still zero) of an ensemble run has the mean loss of one-critic runs on the same image
    Path gen = TinyModels.generatorFolder(tmp, 1, 1, 0);
    Path ca = Files.createDirectories(tmp.resolve("ca")), cb = Files.createDirectories(tmp.resolve("cb"));
    double[] loss = new double[3], p = new double[3];
    String[] critics = {"critic: " + ca, "critic: " + cb, "critics: [" + ca + ", " + cb + "]"};
    for (int k = 0; k < 3; k++) {
      String yaml = spec(gen, ca, 2, 0, "").replace("critic: " + ca, critics[k]);
      RunFolder run = RunFolder.create(tmp.resolve("runs" + k), TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, yaml)), tmp), java.time.LocalDateTime.now());
      assertThat(TeachRun.run(run, false, SALTED, TeachRun.Options.defaults())).isEqualTo(TeachRun.Outcome.FINISHED);
      var first = JSON.readTree(lines(run.metrics()).get(0));
      loss[k] = first.get("loss").asDouble();
      p[k] = first.get("p").asDouble();
      if (k == 2) {
        assertThat(Files.readString(run.taskYaml())).contains("critics:");
        try (SafeTensorsFile f = SafeTensorsFile.open(run.lora())) { assertThat(f.metadata().get("dualproc_critic")).startsWith("ensemble["); }
        assertThat(TeachRun.run(run, true, SALTED, TeachRun.Options.defaults())).as("resume reopens both critics").isEqualTo(TeachRun.Outcome.FINISHED);
      }
    }
    assertThat(loss[0]).isNotCloseTo(loss[1], within(1e-3));
    assertThat(loss[2]).isCloseTo((loss[0] + loss[1]) / 2, within(1e-5));
    assertThat(p[2]).isCloseTo((p[0] + p[1]) / 2, within(1e-6));
  }

  @Test void anchorWeightAddsItsWeightTimesTheMeanSquaredDifferenceToTheLoss() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 1, 0), critic = TinyModels.criticFolder(tmp);
    double w = 10;
    double[] loss = new double[2];
    double expected = 0;
    for (int k = 0; k < 2; k++) {
      TaskSpec s = TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, spec(gen, critic, 1, 0, k == 0 ? "" : "anchor_weight: " + w + "\n"))), tmp);
      try (TinyGenerator g = TinyGenerator.open(gen)) {
        Teacher t = new Teacher(s, tmp, g, new TinyCritic());
        try (NoGradGuard ng = new NoGradGuard()) { // a LoRA that changes the image, the same in both runs
          long seed = 40;
          for (Lora l : t.lora().adapters()) l.B.copy_(Rng.normal(seed++, Tensors.shape(l.B)).mul(Tensors.scalar(0.5)));
        }
        if (k == 1) {
          Conditioning c = t.conditioning(s.prompts().get(0));
          Tensor zt = g.noise(s.trainSeed()); // one-step generator: z_t is the first training noise
          t.lora().setWeight(s.trainWeight());
          try (NoGradGuard ng = new NoGradGuard()) {
            Tensor on = g.x0Image(zt, c, 0);
            t.lora().setEnabled(false);
            Tensor off = g.x0Image(zt, c, 0);
            t.lora().setEnabled(true);
            expected = w * Tensors.item(on.sub(off).pow(Tensors.scalar(2)).mean());
          }
        }
        List<Teacher.StepResult> r = new ArrayList<>();
        t.train(() -> false, r::add);
        loss[k] = r.get(0).loss();
      }
    }
    assertThat(expected).as("the LoRA changes the image").isGreaterThan(1e-4);
    assertThat(loss[1] - loss[0]).isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
  }

  @Test void priorWeightAddsTheLatentsDistanceToTheBaseModelsDenoisingOfIt() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 4, 0), critic = TinyModels.criticFolder(tmp);
    double w = 10;
    double[] loss = new double[2];
    double expected = 0;
    for (int k = 0; k < 2; k++) {
      String extra = "timestep: one-step\n" + (k == 0 ? "" : "prior_weight: " + w + "\n");
      TaskSpec s = TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, spec(gen, critic, 1, 0, extra))), tmp);
      try (TinyGenerator g = TinyGenerator.open(gen)) {
        Teacher t = new Teacher(s, tmp, g, new TinyCritic());
        try (NoGradGuard ng = new NoGradGuard()) { // a LoRA that changes the latent, the same in both runs
          long seed = 40;
          for (Lora l : t.lora().adapters()) l.B.copy_(Rng.normal(seed++, Tensors.shape(l.B)).mul(Tensors.scalar(0.5)));
        }
        if (k == 1) {
          Conditioning c = t.conditioning(s.prompts().get(0));
          Tensor zt = g.noise(s.trainSeed()); // one-step rule: the critic judges x0 from the first training noise
          t.lora().setWeight(s.trainWeight());
          Prior.Draw d = Prior.draw(s.trainSeed(), 0, g.steps());
          assertThat(d.stepIndex()).isBetween(1, g.steps() - 1);
          try (NoGradGuard ng = new NoGradGuard()) {
            Tensor x0 = g.x0Latent(zt, c, 0);
            t.lora().setEnabled(false);
            Tensor base = g.x0Latent(x0.mul(Tensors.scalar(1 - sigma(g, d.stepIndex())))
                .add(Rng.normal(d.noiseSeed(), Tensors.shape(x0)).mul(Tensors.scalar(sigma(g, d.stepIndex())))), c, d.stepIndex());
            t.lora().setEnabled(true);
            expected = w * Tensors.item(x0.sub(base).pow(Tensors.scalar(2)).mean());
          }
        }
        List<Teacher.StepResult> r = new ArrayList<>();
        t.train(() -> false, r::add);
        loss[k] = r.get(0).loss();
      }
    }
    assertThat(expected).as("the base does not reproduce the LoRA's latent").isGreaterThan(1e-4);
    assertThat(loss[1] - loss[0]).isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
  }

  /** The tiny generator's sigma_j (linspace(1, 1/N, N)), written out independently of the class under test. */
  private static double sigma(TinyGenerator g, int j) { return 1.0 - (1.0 - 1.0 / g.steps()) * j / Math.max(1, g.steps() - 1); }

  @Test void priorWeightNeedsAnIntermediateNoiseLevelAndANonNegativeWeight() throws Exception {
    assertThatThrownBy(() -> Prior.draw(100, 0, 1)).hasMessageContaining("prior_weight").hasMessageContaining("2 or more sampling steps");
    assertThatThrownBy(() -> resolve(Q + "prior_weight: -1\n")).hasMessageStartingWith("prior_weight: expected");
    Set<Integer> seen = new TreeSet<>();
    for (int step = 0; step < 200; step++) seen.add(Prior.draw(100, step, 8).stepIndex());
    assertThat(seen).as("every intermediate step is drawn").containsExactly(1, 2, 3, 4, 5, 6, 7);
    assertThat(Prior.draw(100, 5, 8)).as("repeatable on resume").isEqualTo(Prior.draw(100, 5, 8));
  }

  @Test void withOverlayAugmentsEachQuestionsOverlaidImageSoTheOverlayMovesWithTheScene() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 1, 0), critic = TinyModels.criticFolder(tmp);
    String q = "questions: [{question: 'Is the line on the horizon?', answer: Yes, overlay: {preset: horizon, params: {value: 0.3}}}]\n";
    double[] loss = new double[2];
    for (int k = 0; k < 2; k++) {
      String yaml = spec(gen, critic, 1, 0, "views: 3\nview_augment: {shift: 3, blur: 0, noise: 0" + (k == 1 ? ", with_overlay: true" : "") + "}\n");
      yaml = yaml.replaceAll("(?m)^questions:\n(?:  .*\n)*", "") + q; // the fixture's questions, replaced by one with an overlay
      TaskSpec s = TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, yaml)), tmp);
      assertThat(s.viewAugment().withOverlay()).isEqualTo(k == 1);
      try (TinyGenerator g = TinyGenerator.open(gen)) {
        Teacher t = new Teacher(s, tmp, g, new TinyCritic());
        AskedQuestion asked = t.questions().get(0);
        Tensor image = Rng.normal(5, 1, 3, g.height(), g.width()).tanh();
        Views views = Views.of(s);
        List<Tensor> shown = k == 1 ? views.of(asked.view(image), 7) : views.of(image, 7).stream().map(asked::view).toList();
        double expected = 0;
        for (Tensor v : shown) expected += Tensors.item(t.critic().score(v, asked.prepared()).loss()) / shown.size();
        loss[k] = Tensors.item(t.answerLoss(image, 7).loss());
        assertThat(loss[k]).isCloseTo(expected, within(1e-6));
      }
    }
    assertThat(loss[1]).as("the shifted overlay is not the overlay in place").isNotCloseTo(loss[0], within(1e-6));
  }

  @Test void priorModeMatchPullsOnlyWhereTheLoraChangedTheModelsOwnEstimate() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 4, 0), critic = TinyModels.criticFolder(tmp);
    double w = 10;
    for (boolean changed : new boolean[] {false, true}) {
      double[] loss = new double[2];
      double expected = 0;
      for (int k = 0; k < 2; k++) {
        String extra = "timestep: one-step\n" + (k == 0 ? "" : "prior_weight: " + w + "\nprior_mode: match\n");
        TaskSpec s = TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, spec(gen, critic, 1, 0, extra))), tmp);
        try (TinyGenerator g = TinyGenerator.open(gen)) {
          Teacher t = new Teacher(s, tmp, g, new TinyCritic());
          if (changed) try (NoGradGuard ng = new NoGradGuard()) {
            long seed = 40;
            for (Lora l : t.lora().adapters()) l.B.copy_(Rng.normal(seed++, Tensors.shape(l.B)).mul(Tensors.scalar(0.5)));
          }
          if (k == 1) {
            Conditioning c = t.conditioning(s.prompts().get(0));
            t.lora().setWeight(s.trainWeight());
            Prior.Draw d = Prior.draw(s.trainSeed(), 0, g.steps());
            try (NoGradGuard ng = new NoGradGuard()) {
              Tensor x0 = g.x0Latent(g.noise(s.trainSeed()), c, 0);
              double sj = sigma(g, d.stepIndex());
              Tensor zj = x0.mul(Tensors.scalar(1 - sj)).add(Rng.normal(d.noiseSeed(), Tensors.shape(x0)).mul(Tensors.scalar(sj)));
              Tensor own = g.x0Latent(zj, c, d.stepIndex());
              t.lora().setEnabled(false);
              Tensor base = g.x0Latent(zj, c, d.stepIndex());
              t.lora().setEnabled(true);
              expected = w * Tensors.item(own.sub(base).pow(Tensors.scalar(2)).mean());
            }
          }
          List<Teacher.StepResult> r = new ArrayList<>();
          t.train(() -> false, r::add);
          loss[k] = r.get(0).loss();
        }
      }
      if (changed) assertThat(expected).as("a changed LoRA changes the model's own estimate").isGreaterThan(1e-4);
      else assertThat(expected).as("a fresh LoRA (B = 0) changes nothing").isZero();
      assertThat(loss[1] - loss[0]).isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
    }
    assertThatThrownBy(() -> resolve(Q + "prior_mode: mean\n")).hasMessage("prior_mode: expected denoise or match, got 'mean'");
    assertThat(resolve(Q).priorMode()).isEqualTo("denoise");
  }
}
