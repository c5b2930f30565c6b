package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.vlm.TinyIdefics;
import dev.dualproc.model.vlm.VlmFamily;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc dev tiny-model FAMILY --out DIR`: a random-weight model of a family in its real checkpoint layout. */
@Command(name = "tiny-model", mixinStandardHelpOptions = true,
    description = "Write a random-weight model in the family's real HF layout (config, weights, tokenizer, processor "
        + "files), small enough for tests.")
public final class DevTinyModelCommand implements Callable<Integer> {
  /** Writes a tiny model of one family into a folder, from a seed. */
  @FunctionalInterface public interface Writer { void write(Path out, long seed); }

  /** One line per family; the key is the FAMILY parameter. */
  static final Map<String, Writer> FAMILIES = new LinkedHashMap<>();
  static {
    FAMILIES.put("flux", (out, seed) -> dev.dualproc.model.flux.TinyFlux.write(out, seed));
    FAMILIES.put("idefics2", (out, seed) -> TinyIdefics.write(VlmFamily.IDEFICS2, out, seed));
    FAMILIES.put("idefics3", (out, seed) -> TinyIdefics.write(VlmFamily.IDEFICS3, out, seed));
  }

  static final class Names extends java.util.ArrayList<String> { Names() { super(FAMILIES.keySet()); } }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FAMILY", completionCandidates = Names.class, description = "model family: ${COMPLETION-CANDIDATES}")
  String family;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder to write (created if missing)")
  Path out;

  @Option(names = "--seed", defaultValue = "0", description = "weight seed (default ${DEFAULT-VALUE})")
  long seed;

  @Override public Integer call() {
    Writer w = FAMILIES.get(family);
    if (w == null) throw new DualprocException("tiny-model: unknown family '" + family + "' (expected one of " + String.join(", ", FAMILIES.keySet()) + ")");
    w.write(out, seed);
    spec.commandLine().getOut().println("wrote a tiny " + family + " model to " + out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
