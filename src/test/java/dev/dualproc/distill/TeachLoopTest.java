package dev.dualproc.distill;

import static dev.dualproc.distill.TeachFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.SafeTensorsFile;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The teaching loop end to end on the tiny test models (TinyGenerator, TinyCritic): loss, run folder, reload, resume. */
class TeachLoopTest {
  @TempDir Path tmp;
  static final ObjectMapper JSON = new ObjectMapper();

  @Test void twentyStepsLowerTheLossAndWriteAValidRunFolderWhoseLoraReloadsToTheSamples() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 1, 0), critic = TinyModels.criticFolder(tmp), runs = tmp.resolve("runs");
    Path spec = writeSpec(tmp, spec(gen, critic, 20, 10, ""));
    assertThat(teach("--spec", spec.toString(), "--runs", runs.toString(), "--export", "kohya")).isZero();
    Path run = onlyRun(runs);

    List<JsonNode> metrics = new ArrayList<>();
    for (String l : lines(run.resolve("metrics.jsonl"))) metrics.add(JSON.readTree(l));
    assertThat(metrics).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(metrics.get(i).get("step").asInt()).isEqualTo(i + 1);
      assertThat(metrics.get(i).fieldNames()).toIterable().containsExactly("step", "loss", "p", "grad_norm", "sampling_step", "seconds");
    }
    double first = metrics.subList(0, 5).stream().mapToDouble(n -> n.get("loss").asDouble()).average().orElseThrow();
    double last = metrics.subList(15, 20).stream().mapToDouble(n -> n.get("loss").asDouble()).average().orElseThrow();
    assertThat(last).as("mean loss of the last 5 steps vs the first 5").isLessThan(first * 0.8);
    assertThat(lines(run.resolve("readouts.jsonl"))).hasSize(4);
    assertThat(Images.readPngText(run.resolve("samples/readout-000015.png"))).containsEntry("step", "15").containsKey("answers");

    JsonNode results = JSON.readTree(run.resolve("results.json").toFile());
    assertThat(results.fieldNames()).toIterable().containsExactly("steps", "seconds", "seconds_per_step", "eval", "summary");
    assertThat(results.get("steps").asInt()).isEqualTo(20);
    assertThat(results.get("eval")).hasSize(4); // 1 prompt x 2 seeds x off/on
    JsonNode e0 = results.get("eval").get(0);
    assertThat(e0.fieldNames()).toIterable().containsExactly("prompt", "seed", "lora", "answers", "verifier");
    assertThat(e0.get("answers").get(0).fieldNames()).toIterable().containsExactly("question", "answer", "p", "greedy");
    assertThat(e0.get("verifier").isNull()).isTrue();
    JsonNode summary = results.get("summary");
    assertThat(summary.get("verifier_pass_rate").isNull()).isTrue();
    assertThat(summary.get("vlm_p").get("on").asDouble()).as("p with the LoRA on vs off").isGreaterThan(summary.get("vlm_p").get("off").asDouble());

    String task = Files.readString(run.resolve("task.yaml"));
    assertThat(TaskSpecYaml.read(run.resolve("task.yaml")).steps()).isEqualTo(20);
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora.safetensors"))) {
      assertThat(f.names()).containsExactlyInAnyOrder("img_in.lora_A.weight", "img_in.lora_B.weight", "proj_out.lora_A.weight", "proj_out.lora_B.weight");
      assertThat(f.metadata()).containsEntry("dualproc_task", task).containsEntry("dualproc_steps", "20")
          .containsEntry("dualproc_rank", "4").containsKeys("dualproc_version", "dualproc_generator", "dualproc_critic", "lora_adapter_metadata");
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora-kohya.safetensors"))) {
      assertThat(f.names()).contains("lora_unet_img_in.lora_down.weight", "lora_unet_img_in.alpha");
    }
    String html = Files.readString(run.resolve("report.html"));
    assertThat(html).contains("<svg", "<polyline", "data:image/png;base64,", "Is the sky red?");

    Path onPng = run.resolve("samples/000020-p0-seed0-on.png");
    assertThat(Images.readPngText(onPng)).containsEntry("seed", "0").containsEntry("lora", "on").containsEntry("step", "20");
    assertThat(run.resolve("samples/000020-p0-seed1-off.png")).exists();
    assertThat(run.resolve("samples/000020-grid.png")).exists();

    // a fresh generator with the file loaded at weight 1.0 makes exactly the "on" sample; without it, the "off" one
    try (TinyGenerator g = TinyGenerator.open(gen)) {
      g.attachLora(4, 4, 0);
      LoraFile.ENGINE.load(run.resolve("lora.safetensors"), g.lora());
      Conditioning c = g.encode("a house and a tree on a meadow");
      assertThat(pixels(Images.toImage(g.generate(c, 0)))).isEqualTo(pixels(Images.read(onPng)));
      g.lora().setEnabled(false);
      assertThat(pixels(Images.toImage(g.generate(c, 0)))).isEqualTo(pixels(Images.read(run.resolve("samples/000020-p0-seed0-off.png"))));
      assertThat(pixels(Images.read(onPng))).isNotEqualTo(pixels(Images.read(run.resolve("samples/000020-p0-seed0-off.png"))));
    }
  }

  @Test void aStoppedAndResumedRunEndsBitIdenticalToAnUninterruptedOne() throws Exception {
    // a 4-step generator: the uniform timestep rule with a no-grad rollout, so the timestep RNG state matters too
    Path gen = TinyModels.generatorFolder(tmp, 2, 4, 0), critic = TinyModels.criticFolder(tmp);
    Path spec = writeSpec(tmp, spec(gen, critic, 12, 4, "train_n: 5\n"));

    Path runsA = tmp.resolve("a");
    assertThat(teach("--spec", spec.toString(), "--runs", runsA.toString())).isZero();
    Path a = onlyRun(runsA);

    // the same task, stopped after step 6 (between checkpoints), then resumed
    Path runsB = tmp.resolve("b");
    TaskSpec resolved = TaskSpecCheck.resolve(TaskSpecYaml.read(spec), tmp);
    RunFolder b = RunFolder.create(runsB, resolved, java.time.LocalDateTime.now());
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    var options = new TeachRun.Options(false, stop, r -> { if (r.step() == 6) stop.set(true); });
    assertThat(TeachRun.run(b, false, TinyModels.MODELS, options)).isEqualTo(TeachRun.Outcome.INTERRUPTED);
    try (SafeTensorsFile f = SafeTensorsFile.open(b.checkpoint())) { assertThat(f.metadata()).containsEntry("step", "6"); }
    assertThat(b.results()).doesNotExist();
    assertThat(teach("--resume", b.dir.toString())).isZero();

    assertThat(tensorBytes(b.lora())).as("final LoRA tensors").containsExactlyEntriesOf(tensorBytes(a.resolve("lora.safetensors")));
    assertThat(Files.readAllBytes(b.lora())).as("lora.safetensors bytes").isEqualTo(Files.readAllBytes(a.resolve("lora.safetensors")));
    Map<String, byte[]> stateA = tensorBytes(a.resolve("state/checkpoint.safetensors")), stateB = tensorBytes(b.checkpoint());
    assertThat(stateB.keySet()).isEqualTo(stateA.keySet());
    for (String k : stateA.keySet()) assertThat(stateB.get(k)).as(k).isEqualTo(stateA.get(k));
    List<String> ma = lines(a.resolve("metrics.jsonl")), mb = lines(b.metrics());
    assertThat(mb).hasSize(12);
    for (int i = 0; i < 12; i++) assertThat(withoutSeconds(mb.get(i))).isEqualTo(withoutSeconds(ma.get(i)));
  }

  @Test void resumingAFinishedRunOnlyRedoesTheEvaluation() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 3, 1, 0), critic = TinyModels.criticFolder(tmp), runs = tmp.resolve("runs");
    assertThat(teach("--spec", writeSpec(tmp, spec(gen, critic, 3, 0, "")).toString(), "--runs", runs.toString())).isZero();
    Path run = onlyRun(runs);
    byte[] lora = Files.readAllBytes(run.resolve("lora.safetensors"));
    Files.delete(run.resolve("results.json"));
    assertThat(teach("--resume", run.toString())).isZero();
    assertThat(run.resolve("results.json")).exists();
    assertThat(Files.readAllBytes(run.resolve("lora.safetensors"))).isEqualTo(lora);
    assertThat(lines(run.resolve("metrics.jsonl"))).hasSize(3);
  }

  @Test void resumeRefusesACheckpointOfAnotherTaskAndABrokenOne() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 3, 1, 0), critic = TinyModels.criticFolder(tmp);
    RunFolder run = RunFolder.create(tmp.resolve("runs"), TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, spec(gen, critic, 8, 0, ""))), tmp),
        java.time.LocalDateTime.now());
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    TeachRun.run(run, false, TinyModels.MODELS, new TeachRun.Options(false, stop, r -> { if (r.step() == 2) stop.set(true); }));
    byte[] task = Files.readAllBytes(run.taskYaml()), state = Files.readAllBytes(run.checkpoint());

    Files.writeString(run.taskYaml(), new String(task).replace("steps: 8", "steps: 9"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> teach("--resume", run.dir.toString()))
        .isInstanceOf(dev.dualproc.engine.DualprocException.class).hasMessageContaining("made for another task");
    Files.write(run.taskYaml(), task);
    Files.write(run.checkpoint(), java.util.Arrays.copyOf(state, state.length / 2));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> teach("--resume", run.dir.toString()))
        .isInstanceOf(dev.dualproc.engine.DualprocException.class).hasMessageContaining("checkpoint.safetensors");
    Files.write(run.checkpoint(), state);
    assertThat(teach("--resume", run.dir.toString())).isZero();
    assertThat(lines(run.metrics())).hasSize(8);
  }

  @Test void aPresetFromFlagsTrainsThroughItsOverlayAndShowsItInTheSamples() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 7, 1, 0), critic = TinyModels.criticFolder(tmp), runs = tmp.resolve("runs");
    assertThat(teach("--preset", "horizon", "--value", "0.3", "--prompt", "a house and a tree on a meadow", "--steps", "3",
        "--lr", "0.1", "--rank", "2", "--eval-seeds", "0", "--generator", gen.toString(), "--vlm", critic.toString(),
        "--runs", runs.toString())).isZero();
    Path run = onlyRun(runs);
    assertThat(run.getFileName().toString()).endsWith("-horizon-a-house-and-a-tree-on-a-meadow");
    TaskSpec stored = TaskSpecYaml.read(run.resolve("task.yaml"));
    assertThat(stored.control().params()).containsEntry("value", 0.3);
    assertThat(stored.questions()).hasSize(2).allSatisfy(q -> {
      assertThat(q.overlay().preset()).isEqualTo("horizon");
      assertThat(q.mode()).isEqualTo("transparent");
    });
    assertThat(run.resolve("samples/000003-p0-seed0-on-overlay.png")).exists();
    BufferedImage grid = Images.read(run.resolve("samples/000003-grid.png"));
    assertThat(grid.getWidth()).as("4 columns: off, on, off+overlay, on+overlay").isGreaterThan(4 * 16);
  }

  @Test void aNonFiniteLossStopsTheRunBeforeTheUpdateAndKeepsTheLastCheckpoint() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 8, 1, 0), critic = TinyModels.criticFolder(tmp);
    int[] calls = {0};
    Models nanAtStep5 = new Models(TinyModels.MODELS.generator(), (ref, p) -> new TinyCritic() {
      @Override public org.bytedeco.pytorch.Tensor answerLoss(org.bytedeco.pytorch.Tensor image, PreparedQuestion q) {
        org.bytedeco.pytorch.Tensor l = super.answerLoss(image, q);
        return ++calls[0] == 9 ? l.mul(dev.dualproc.engine.Tensors.scalar(Double.NaN)) : l; // 2 questions a step: call 9 is step 5
      }
    });
    RunFolder run = RunFolder.create(tmp.resolve("runs"), TaskSpecCheck.resolve(TaskSpecYaml.read(writeSpec(tmp, spec(gen, critic, 8, 2, ""))), tmp),
        java.time.LocalDateTime.now());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TeachRun.run(run, false, nanAtStep5, TeachRun.Options.defaults()))
        .isInstanceOf(dev.dualproc.engine.DualprocException.class).hasMessageStartingWith("step 5: the loss is NaN");
    try (SafeTensorsFile f = SafeTensorsFile.open(run.checkpoint())) { assertThat(f.metadata()).containsEntry("step", "4"); }
    for (var e : tensorBytes(run.lora()).entrySet()) {
      float[] v = new float[e.getValue().length / 4];
      java.nio.ByteBuffer.wrap(e.getValue()).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().get(v);
      for (float x : v) assertThat(Float.isFinite(x)).as(e.getKey()).isTrue();
    }
    assertThat(teach("--resume", run.dir.toString())).isZero();
  }

  @Test void evalReproducesTheRunsResultsAndEvaluatesOtherSeedsAndPrompts() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 4, 1, 0), critic = TinyModels.criticFolder(tmp), runs = tmp.resolve("runs");
    assertThat(teach("--spec", writeSpec(tmp, spec(gen, critic, 5, 0, "")).toString(), "--runs", runs.toString())).isZero();
    RunFolder run = RunFolder.open(onlyRun(runs));
    Results own = Results.read(run.results());

    Path same = EvalRun.run(run, TinyModels.MODELS, List.of(), List.of());
    assertThat(Results.read(same).eval()).isEqualTo(own.eval());
    assertThat(Results.read(same).summary()).isEqualTo(own.summary());

    Path prompts = Files.writeString(tmp.resolve("prompts.txt"), "# held-out prompts\na lake at dusk\n\na city street\n");
    var cl = new picocli.CommandLine(new dev.dualproc.cli.EvalCommand(TinyModels.MODELS));
    cl.setExecutionExceptionHandler((ex, line, parse) -> { throw ex; });
    assertThat(cl.execute("--run", run.dir.toString(), "--seeds", "5-7", "--prompts", prompts.toString())).isZero();
    Path other;
    try (var s = Files.list(run.evals())) { other = s.filter(p -> !p.equals(same.getParent())).findFirst().orElseThrow().resolve("results.json"); }
    Results r = Results.read(other);
    assertThat(r.eval()).hasSize(2 * 3 * 2);
    assertThat(r.eval()).extracting(Results.Entry::prompt).containsOnly("a lake at dusk", "a city street");
    assertThat(r.eval()).extracting(Results.Entry::seed).containsOnly(5L, 6L, 7L);
    assertThat(r.steps()).isEqualTo(5);
    assertThat(other.resolveSibling("samples").resolve("000005-p1-seed7-on.png")).exists();
  }

  static String withoutSeconds(String line) throws Exception {
    var n = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
    n.remove("seconds");
    return n.toString();
  }

  static int[] pixels(BufferedImage img) { return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()); }
}
