package dev.dualproc.distill;

import dev.dualproc.cli.TeachCommand;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Helpers of the teaching-loop tests: a spec on the tiny models, the CLI in process, run-folder readers. */
final class TeachFixture {
  private TeachFixture() {}

  static String spec(Path generator, Path critic, int steps, int checkpointEvery, String extra) {
    return """
        prompts: ["a house and a tree on a meadow"]
        questions:
          - question: "Is the sky red?"
            answer: "Yes"
          - question: "Is the meadow dark?"
            answer: "Yes"
        steps: %d
        lr: 0.1
        rank: 4
        alpha: 4
        train_weight: 1
        eval_seeds: [0, 1]
        readout_every: 5
        checkpoint_every: %d
        generator: %s
        critic: %s
        """.formatted(steps, checkpointEvery, generator, critic) + extra;
  }

  static Path writeSpec(Path dir, String yaml) throws Exception {
    Path f = dir.resolve("task-" + Integer.toHexString(yaml.hashCode()) + ".yaml");
    Files.writeString(f, yaml);
    return f;
  }

  /** Runs `teach` in process on the tiny models; returns the exit code, and errors are thrown (picocli would print them). */
  static int teach(String... args) {
    TeachCommand cmd = new TeachCommand(TinyModels.MODELS);
    new CommandLine(cmd).parseArgs(args);
    return cmd.call();
  }

  /** The only run folder under {@code runs}. */
  static Path onlyRun(Path runs) throws Exception {
    try (Stream<Path> s = Files.list(runs)) {
      List<Path> l = s.filter(Files::isDirectory).toList();
      if (l.size() != 1) throw new AssertionError("expected one run folder in " + runs + ", found " + l);
      return l.get(0);
    }
  }

  static List<String> lines(Path f) throws Exception {
    return Files.exists(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList() : List.of();
  }

  /** Every tensor of a safetensors file as raw bytes, by name (for bit-identity checks). */
  static Map<String, byte[]> tensorBytes(Path file) {
    Map<String, byte[]> out = new TreeMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      for (String n : f.names()) out.put(n, Tensors.bytes(f.load(n)));
    }
    return out;
  }
}
