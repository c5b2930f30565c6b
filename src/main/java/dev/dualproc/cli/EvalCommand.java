package dev.dualproc.cli;

import dev.dualproc.distill.EvalRun;
import dev.dualproc.distill.Models;
import dev.dualproc.distill.Results;
import dev.dualproc.distill.RunFolder;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc eval --run RUN`: the run's LoRA off and on, on other seeds and prompts; writes RUN/evals/<time>/results.json. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Re-evaluate a finished teaching run on other seeds and prompts (VLM p and verifier, LoRA off and on).")
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--run", required = true, paramLabel = "RUN", description = "a run folder made by dualproc teach")
  Path run;
  @Option(names = "--seeds", paramLabel = "A-B|A,B,...", description = "evaluation seeds (default: the run's)")
  String seeds;
  @Option(names = "--prompts", paramLabel = "FILE", description = "prompts, one per line (default: the run's evaluation prompts)")
  Path prompts;

  private final Models models;

  public EvalCommand() { this(Models.REGISTERED); }

  /** With other model openers: tests run the command on tiny fixture models. */
  public EvalCommand(Models models) { this.models = models; }

  @Override public Integer call() {
    List<Long> s = seeds == null ? List.of() : TeachCommand.seeds(seeds, "--seeds");
    Path out = EvalRun.run(RunFolder.open(run), models, prompts == null ? List.of() : readPrompts(prompts), s);
    Results.Summary sum = Results.read(out).summary();
    System.out.println(out);
    System.out.printf(Locale.ROOT, "vlm p: off %.3f, on %.3f%n", sum.vlmP().off(), sum.vlmP().on());
    if (sum.verifierPassRate() != null)
      System.out.printf(Locale.ROOT, "verifier pass rate: off %.3f, on %.3f%n", sum.verifierPassRate().off(), sum.verifierPassRate().on());
    return 0;
  }

  /** One prompt per line; blank lines and lines starting with # are skipped. */
  static List<String> readPrompts(Path file) {
    try {
      List<String> out = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
      if (out.isEmpty()) throw new DualprocException(file + ": no prompts (one per line expected)");
      return out;
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read prompts (" + e.getMessage() + ")", e);
    }
  }
}
