package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.vlm.IdeficsParity;
import dev.dualproc.model.vlm.VlmFamily;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `dualproc parity FAMILY DIR`: this implementation against tensors computed by the reference code. */
@Command(name = "parity", mixinStandardHelpOptions = true,
    description = "Compare this implementation with fixtures computed by the reference implementation (tiny random "
        + "models; for the VLMs, HF transformers through scripts/parity/idefics_fixtures.py). Prints each check "
        + "with its relative error (max |a-b| / max |b|); exit 1 when one fails.")
public final class ParityCommand implements Callable<Integer> {
  /** One line per family: the checks of a fixture folder. */
  static final Map<String, Function<Path, List<IdeficsParity.Check>>> FAMILIES = new LinkedHashMap<>();
  static {
    FAMILIES.put("idefics2", dir -> IdeficsParity.run(VlmFamily.IDEFICS2, dir));
    FAMILIES.put("idefics3", dir -> IdeficsParity.run(VlmFamily.IDEFICS3, dir));
  }

  static final class Names extends java.util.ArrayList<String> { Names() { super(FAMILIES.keySet()); } }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FAMILY", completionCandidates = Names.class, description = "model family: ${COMPLETION-CANDIDATES}")
  String family;

  @Parameters(index = "1", paramLabel = "DIR", description = "fixture folder")
  Path dir;

  @Override public Integer call() {
    var checker = FAMILIES.get(family);
    if (checker == null) throw new DualprocException("parity: unknown family '" + family + "' (expected one of " + String.join(", ", FAMILIES.keySet()) + ")");
    PrintWriter out = spec.commandLine().getOut();
    boolean ok = true;
    for (IdeficsParity.Check c : checker.apply(dir)) {
      ok &= c.passed();
      out.printf(Locale.ROOT, "%-4s %-44s %s  %s%n", c.passed() ? "ok" : "FAIL", c.name(),
          c.exact() ? (c.error() == 0 ? "exact" : "differs") : String.format(Locale.ROOT, "rel %.2e", c.error()), c.detail());
    }
    out.println(ok ? "parity " + family + ": all checks passed (tolerance " + IdeficsParity.TOLERANCE + ")" : "parity " + family + ": FAILED");
    out.flush();
    return ok ? 0 : 1;
  }
}
