package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.cli.TeachCommand;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Task specs: defaults, presets, the stored form, and bad specs whose error names the field, before any model loads. */
class TaskSpecTest {
  @TempDir Path tmp;

  TaskSpec resolve(String yaml) { return TaskSpecCheck.resolve(TaskSpecYaml.fromTree(TaskSpecYaml.tree(yaml, "test"), "test"), tmp); }

  @Test void defaultsAreTheReferenceOnes() {
    TaskSpec s = resolve("prompts: [a man]\nquestions: [{question: 'Is the man smiling?', answer: Yes}]\n");
    assertThat(s.steps()).isEqualTo(100);
    assertThat(s.lr()).isEqualTo(5e-5);
    assertThat(s.rank()).isEqualTo(16);
    assertThat(s.alpha()).isEqualTo(8.0);
    assertThat(s.trainWeight()).isEqualTo(5.0);
    assertThat(s.trainSeed()).isEqualTo(100L);
    assertThat(s.trainN()).isEqualTo(100);
    assertThat(s.evalSeeds()).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(s.gradClip()).isEqualTo(1.0);
    assertThat(s.weightDecay()).isEqualTo(0.0);
    assertThat(s.timestep()).isEqualTo("auto");
    assertThat(s.evalPrompts()).containsExactly("a man");
    assertThat(s.questions().get(0).answer()).as("YAML 1.1 'Yes' stays text").isEqualTo("Yes");
    assertThat(s.dtype()).isEqualTo("float32");
  }

  @Test void aPresetFillsTheQuestionsAndTheOverlay() {
    TaskSpec s = resolve("prompts: [a house]\ncontrol: {preset: depth, params: {a: [0.2, 0.7], b: [0.8, 0.6], closer: B closer}}\n");
    assertThat(s.questions()).hasSize(2);
    assertThat(s.questions().get(0).question()).contains("Point B in the foreground", "Point A in the background");
    assertThat(s.questions().get(0).overlay().preset()).isEqualTo("depth");
    assertThat(s.questions().get(0).mode()).isEqualTo("transparent");
    assertThat(s.control().params()).containsEntry("closer", "B");
    TaskSpec h = resolve("prompts: [a house]\ncontrol: {preset: palette, params: {colors: ['#aa0000', 00FF00]}}\n");
    assertThat(h.control().params()).containsEntry("colors", List.of("#AA0000", "#00FF00"));
    assertThat(h.questions().get(0).mode()).isEqualTo("solid");
  }

  @Test void theResolvedSpecRoundTripsThroughYaml() {
    TaskSpec s = resolve("prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\nsteps: 7\neval_seeds: [3, 9]\n");
    String yaml = TaskSpecYaml.write(s);
    assertThat(yaml).contains("steps: 7", "preset: \"horizon\"".replace("\"", ""));
    assertThat(resolve(yaml)).isEqualTo(s);
  }

  @Test void flagsOverrideTheSpecFile() throws Exception {
    Path spec = Files.writeString(tmp.resolve("t.yaml"), "prompts: [a house]\nsteps: 7\ncontrol: {preset: horizon, params: {value: 0.3}}\n");
    TeachCommand cmd = new TeachCommand(FAIL_IF_OPENED);
    new CommandLine(cmd).parseArgs("--spec", spec.toString(), "--steps", "9", "--value", "0.6", "--preset", "horizon", "--eval-seeds", "2-4");
    var tree = TaskSpecYaml.merge(TaskSpecYaml.readTree(spec), cmd.flags());
    TaskSpec s = TaskSpecCheck.resolve(TaskSpecYaml.fromTree(tree, "t"), tmp);
    assertThat(s.steps()).isEqualTo(9);
    assertThat(s.control().params()).containsEntry("value", 0.6);
    assertThat(s.evalSeeds()).containsExactly(2L, 3L, 4L);
  }

  @Test void anOverlayImageIsCopiedIntoTheRunFolder() throws Exception {
    Images.writePng(tmp.resolve("marks.png"), Tensors.mul(org.bytedeco.pytorch.global.torch.ones(1, 3, 8, 8), 1.0), Map.of());
    TaskSpec s = resolve("prompts: [a house]\nquestions: [{question: Q, answer: Yes, overlay: {image: marks.png}, mode: solid}]\n");
    RunFolder run = RunFolder.create(tmp.resolve("runs"), s, java.time.LocalDateTime.of(2026, 1, 2, 3, 4, 5));
    assertThat(run.dir.getFileName().toString()).isEqualTo("20260102-030405-a-house");
    assertThat(run.dir.resolve("overlays/q0.png")).exists();
    TaskSpec stored = run.spec();
    assertThat(stored.questions().get(0).overlay().image()).isEqualTo(run.dir.resolve("overlays/q0.png").toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown field            | stepz: 3                                                              | stepz: unknown field",
      "unknown nested field     | questions: [{question: Q, answr: Yes}]                               | questions[0].answr: unknown field",
      "steps out of range       | steps: 0                                                              | steps: expected 1..",
      "steps not a number       | steps: many                                                           | steps: expected a whole number",
      "fractional steps         | steps: 2.5                                                            | steps: expected a whole number",
      "negative lr              | lr: -1                                                                | lr: expected a number in (0",
      "six questions            | questions: [{question: a, answer: b},{question: a, answer: b},{question: a, answer: b},{question: a, answer: b},{question: a, answer: b},{question: a, answer: b}] | questions: at most 5",
      "missing answer           | questions: [{question: Q}]                                           | questions[0].answer: missing",
      "missing overlay file     | questions: [{question: Q, answer: Yes, overlay: {image: nope.png}}]  | questions[0].overlay.image: no such file",
      "bad overlay mode         | questions: [{question: Q, answer: Yes, overlay: {preset: horizon, params: {value: 0.5}}, mode: opaque}] | questions[0].mode: expected transparent or solid",
      "image and preset         | questions: [{question: Q, answer: Yes, overlay: {image: a.png, preset: horizon}}] | questions[0].overlay: expected exactly one of",
      "horizon out of range     | control: {preset: horizon, params: {value: 1.5}}                      | control.params.value: expected a number in 0..1",
      "unknown preset           | control: {preset: sunset}                                             | control.preset: unknown preset 'sunset'",
      "unknown preset param     | control: {preset: horizon, params: {value: 0.5, height: 3}}           | control.params.height: unknown parameter",
      "palette colour           | control: {preset: palette, params: {colors: ['#ff0000', red]}}        | control.params.colors[1]: expected a colour",
      "depth closer             | control: {preset: depth, params: {a: [0.1, 0.5], b: [0.9, 0.5], closer: C}} | control.params.closer: expected",
      "timestep rule            | timestep: sometimes                                                   | timestep: expected auto, one-step or uniform",
      "bad device               | device: tpu                                                           | device: expected cpu, cuda or cuda:N",
      "free without questions   | control: {preset: free}                                               | questions: at least one",
  })
  void aBadSpecFailsNamingTheField(String what, String fields, String message) {
    String yaml = "prompts: [a house]\n" + (fields.contains("questions") || fields.contains("control") ? "" : "questions: [{question: Q, answer: Yes}]\n")
        + fields + "\n";
    assertThatThrownBy(() -> resolve(yaml)).isInstanceOf(DualprocException.class).hasMessageStartingWith(message);
  }

  @Test void moreBadFields() {
    String q = "prompts: [a house]\nquestions: [{question: Q, answer: Yes}]\n";
    assertThatThrownBy(() -> resolve(q + "steps: 10\ntrain_n: 11\n")).hasMessageStartingWith("train_n: expected 1..10");
    assertThatThrownBy(() -> resolve(q + "generator: ./no/such/folder\n")).hasMessageStartingWith("generator: no such model folder");
    assertThat(resolve(q + "critic: HuggingFaceM4/idefics2-8b\n").critic()).as("an HF repo id").isEqualTo("HuggingFaceM4/idefics2-8b");
  }

  static final Models FAIL_IF_OPENED = new Models(
      (ref, p) -> { throw new AssertionError("a model was opened for a bad spec"); },
      (ref, p) -> { throw new AssertionError("a model was opened for a bad spec"); });

  @Test void theCommandRejectsABadSpecBeforeAnyModelLoadsAndMakesNoRunFolder() throws Exception {
    Path spec = Files.writeString(tmp.resolve("bad.yaml"), "prompts: [a house]\ncontrol: {preset: horizon, params: {value: 2}}\n");
    assertThatThrownBy(() -> call("--spec", spec.toString(), "--runs", tmp.resolve("runs").toString()))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("control.params.value:");
    assertThat(tmp.resolve("runs")).doesNotExist();
    assertThatThrownBy(() -> call("--prompt", "x", "--question", "Q?", "--runs", tmp.resolve("runs").toString()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("--question/--answer");
    assertThatThrownBy(() -> call("--prompt", "x", "--value", "0.3", "--runs", tmp.resolve("runs").toString()))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("--value: needs --preset");
    assertThatThrownBy(() -> call("--resume", tmp.toString(), "--steps", "3"))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("--resume: the task is the run's task.yaml");
    assertThatThrownBy(() -> call("--resume", tmp.toString()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("not a run folder");
  }

  static int call(String... args) {
    TeachCommand cmd = new TeachCommand(FAIL_IF_OPENED);
    new CommandLine(cmd).parseArgs(args);
    return cmd.call();
  }

  @Test void theRealCommandWithAnUnknownModelFailsCleanlyAndLeavesNoRunFolder() {
    int code = dev.dualproc.cli.Main.commandLine().execute("teach", "--preset", "horizon", "--value", "0.3",
        "--prompt", "a house and a tree on a meadow", "--generator", "no/such-model", "--runs", tmp.resolve("runs").toString());
    assertThat(code).isEqualTo(2);
    assertThat(tmp.resolve("runs")).doesNotExist();
  }

  @Test void unknownModelRefsFailWithAClearMessage() {
    assertThatThrownBy(() -> Generators.open("no/such-model", dev.dualproc.engine.Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("generator: no generator family of this build reads 'no/such-model'");
    assertThatThrownBy(() -> Critics.open("HuggingFaceM4/idefics2-8b", dev.dualproc.engine.Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("vlm: no critic family of this build reads");
  }
}
