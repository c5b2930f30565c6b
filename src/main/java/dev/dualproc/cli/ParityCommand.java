package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.AutoEncoder;
import dev.dualproc.model.flux.AutoEncoderFiles;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.AutoEncoderParity;
import dev.dualproc.model.flux.FluxParity;
import dev.dualproc.model.vlm.IdeficsParity;
import dev.dualproc.model.vlm.VlmFamily;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc parity FAMILY DIR`: this implementation against tensors computed by the reference code. */
@Command(name = "parity", mixinStandardHelpOptions = true,
    description = {"Compare this implementation with fixtures computed by the reference implementation on tiny random",
        "models (FLUX: black-forest-labs/flux, the ../shared/fixtures/flux format; VLMs: HF transformers through",
        "src/test/resources/fixtures/vlm/make_fixtures.py). Prints each check with its relative error (max |a-b| / max |b|); exit 1 when",
        "one fails. Families: ${COMPLETION-CANDIDATES}."})
public final class ParityCommand implements Callable<Integer> {
  /** One compared tensor (or exact id sequence). */
  record Row(String name, boolean passed, String error, String detail) {}

  /** One line per family: the checks of a fixture folder at a tolerance. */
  static final Map<String, Checker> FAMILIES = new LinkedHashMap<>();
  interface Checker { List<Row> run(Path dir, double tolerance); }
  static {
    FAMILIES.put("flux", ParityCommand::flux);
    FAMILIES.put("idefics2", (dir, tol) -> idefics(VlmFamily.IDEFICS2, dir));
    FAMILIES.put("idefics3", (dir, tol) -> idefics(VlmFamily.IDEFICS3, dir));
  }

  static final class Names extends java.util.ArrayList<String> { Names() { super(FAMILIES.keySet()); } }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FAMILY", completionCandidates = Names.class)
  String family;

  @Parameters(index = "1", paramLabel = "DIR", description = "fixture folder")
  Path dir;

  @Option(names = "--tolerance", defaultValue = "1e-4", description = "max relative error for FLUX (default: ${DEFAULT-VALUE}); the VLM checks use "
      + IdeficsParity.TOLERANCE)
  double tolerance;

  @Override public Integer call() {
    Checker checker = FAMILIES.get(family);
    if (checker == null) throw new DualprocException("parity: unknown family '" + family + "' (expected one of " + String.join(", ", FAMILIES.keySet()) + ")");
    PrintWriter out = spec.commandLine().getOut();
    List<Row> rows = checker.run(dir, tolerance);
    for (Row r : rows) out.printf(Locale.ROOT, "%-4s %-48s %-12s %s%n", r.passed() ? "ok" : "FAIL", r.name(), r.error(), r.detail());
    long failed = rows.stream().filter(r -> !r.passed()).count();
    out.println(failed == 0 ? "parity " + family + ": all " + rows.size() + " checks passed" : "parity " + family + ": FAILED (" + failed + " of " + rows.size() + ")");
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  private static List<Row> idefics(VlmFamily f, Path dir) {
    List<Row> rows = new ArrayList<>();
    for (IdeficsParity.Check c : IdeficsParity.run(f, dir))
      rows.add(new Row(c.name(), c.passed(), c.exact() ? (c.error() == 0 ? "exact" : "differs") : String.format(Locale.ROOT, "rel %.2e", c.error()), c.detail()));
    return rows;
  }

  /** Transformer (output, trace, gradients, diffusers names), autoencoder, and the schnell sample decoded; fp32 on the CPU. */
  private static List<Row> flux(Path dir, double tolerance) {
    Path aeWeights = dir.resolve("tiny-ae.safetensors");
    AutoEncoder ae = Files.isRegularFile(aeWeights)
        ? AutoEncoderFiles.load(aeWeights, AutoEncoderParams.fromJson(dir.resolve("config.json")), Placement.cpu()) : null;
    FluxParity.Result result = FluxParity.run(dir, tolerance, ae == null ? null : ae::decode);
    List<Row> rows = new ArrayList<>();
    for (FluxParity.Comparison c : result.comparisons()) rows.add(row(c.name(), c.maxAbs(), c.rel(), tolerance));
    if (ae != null) for (AutoEncoderParity.Comparison c : AutoEncoderParity.run(dir, Placement.cpu())) rows.add(row(c.name(), c.maxAbs(), c.relative(), tolerance));
    else rows.add(new Row("autoencoder", true, "skipped", "no tiny-ae.safetensors"));
    for (String s : result.skipped()) rows.add(new Row(s, true, "skipped", ""));
    return rows;
  }

  private static Row row(String name, double maxAbs, double rel, double tolerance) {
    return new Row(name, rel <= tolerance, String.format(Locale.ROOT, "rel %.2e", rel), String.format(Locale.ROOT, "max abs %.2e", maxAbs));
  }
}
