package dev.dualproc.distill;

import static dev.dualproc.distill.TeachFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `teach` in a child JVM (tiny test models, a few ms of delay per step), killed mid-run, then resumed. */
class TeachKillTest {
  @TempDir Path tmp;

  Process child(Path log, String... args) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", cp, TeachMain.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("DUALPROC_PROGRESS", "plain");
    pb.environment().put("OMP_WAIT_POLICY", "passive");
    return pb.start();
  }

  /** Waits until the run folder's metrics.jsonl has at least {@code steps} lines; fails if the child ends first. */
  static Path awaitSteps(Process p, Path runs, int steps, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) throw new AssertionError("child ended early (exit " + p.exitValue() + "):\n" + Files.readString(log));
      if (Files.isDirectory(runs)) {
        try (var s = Files.list(runs)) {
          for (Path run : s.toList()) if (lines(run.resolve("metrics.jsonl")).size() >= steps) return run;
        }
      }
      Thread.sleep(20);
    }
    p.destroyForcibly();
    throw new AssertionError("child did not reach step " + steps + ":\n" + Files.readString(log));
  }

  static int checkpointStep(Path run) {
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("state/checkpoint.safetensors"))) {
      return Integer.parseInt(f.metadata().get("step"));
    }
  }

  @Test void sigkillMidRunThenResumeLosesAtMostTheStepsSinceTheLastCheckpointAndEndsIdentical() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 5, 1, 25), critic = TinyModels.criticFolder(tmp);
    Path spec = writeSpec(tmp, spec(gen, critic, 60, 10, "readout_every: 0\n"));
    Path runs = tmp.resolve("killed"), log = tmp.resolve("child.log");
    Process p = child(log, "--spec", spec.toString(), "--runs", runs.toString());
    Path run = awaitSteps(p, runs, 15, log);
    p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // the folder is valid as the kill left it: task, checkpoint, LoRA and metrics agree
    int k = checkpointStep(run), m = lines(run.resolve("metrics.jsonl")).size();
    assertThat(k).as("last checkpoint step").isBetween(10, 59).matches(s -> s % 10 == 0, "a multiple of checkpoint_every");
    assertThat(m - k).as("steps done since the checkpoint (lost)").isBetween(0, 10);
    assertThat(TaskSpecYaml.read(run.resolve("task.yaml")).steps()).isEqualTo(60);
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora.safetensors"))) {
      assertThat(f.metadata()).containsEntry("dualproc_steps", Integer.toString(k));
    }
    assertThat(run.resolve("results.json")).doesNotExist();

    assertThat(teach("--resume", run.toString())).isZero();
    List<String> metrics = lines(run.resolve("metrics.jsonl"));
    assertThat(metrics).hasSize(60);
    for (int i = 0; i < 60; i++) assertThat(metrics.get(i)).startsWith("{\"step\":" + (i + 1) + ",");

    Path ref = tmp.resolve("uninterrupted");
    assertThat(teach("--spec", spec.toString(), "--runs", ref.toString())).isZero();
    Path refLora = onlyRun(ref).resolve("lora.safetensors");
    assertThat(tensorBytes(run.resolve("lora.safetensors"))).containsExactlyEntriesOf(tensorBytes(refLora));
    assertThat(Files.readAllBytes(run.resolve("lora.safetensors"))).isEqualTo(Files.readAllBytes(refLora));
  }

  @Test void sigtermCheckpointsTheStepInFlightSoNothingIsLost() throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 6, 1, 40), critic = TinyModels.criticFolder(tmp);
    Path spec = writeSpec(tmp, spec(gen, critic, 200, 50, "readout_every: 0\n"));
    Path runs = tmp.resolve("runs"), log = tmp.resolve("child.log");
    Process p = child(log, "--spec", spec.toString(), "--runs", runs.toString());
    Path run = awaitSteps(p, runs, 8, log);
    p.destroy(); // SIGTERM: the shutdown hook stops the loop at the step boundary and checkpoints
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    int k = checkpointStep(run);
    assertThat(k).as("checkpoint step after SIGTERM").isGreaterThanOrEqualTo(8).isLessThan(50);
    assertThat(lines(run.resolve("metrics.jsonl"))).as("metrics lines = checkpoint step").hasSize(k);
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora.safetensors"))) {
      assertThat(f.metadata()).containsEntry("dualproc_steps", Integer.toString(k));
    }
  }
}
