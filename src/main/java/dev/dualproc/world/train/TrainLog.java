package dev.dualproc.world.train;

import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/** {@code train.log} of a training state folder: one timestamped line per event, appended. */
final class TrainLog {
  private TrainLog() {}

  static void append(Path stateDir, String line) {
    Path log = stateDir.resolve("train.log");
    try {
      Files.writeString(log, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new DualprocException(log + ": cannot append (" + e.getMessage() + ")", e);
    }
  }
}
