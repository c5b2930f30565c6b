package dev.dualproc.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** TEST FIXTURE: model openers for the tiny test generator and critic; a generator ref is a folder with tiny-generator.json. */
public final class TinyModels {
  private TinyModels() {}

  public static final Models MODELS = new Models((ref, placement) -> TinyGenerator.open(Path.of(ref)), (ref, placement) -> new TinyCritic());

  /** A generator "model folder" in {@code dir}; steps 1 is schnell-like (one step from noise), more use the rollout. */
  public static Path generatorFolder(Path dir, long seed, int steps, long stepDelayMs) throws Exception {
    Path f = Files.createDirectories(dir.resolve("tiny-gen-" + seed + "-" + steps));
    Files.writeString(f.resolve(TinyGenerator.CONFIG), new ObjectMapper().writeValueAsString(
        Map.of("seed", seed, "size", 16, "steps", steps, "step_delay_ms", stepDelayMs)));
    return f;
  }

  /** A critic "model folder" (the tiny critic needs no files; the folder makes the ref a valid path). */
  public static Path criticFolder(Path dir) throws Exception { return Files.createDirectories(dir.resolve("tiny-critic")); }
}
