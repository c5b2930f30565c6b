package dev.dualproc.cli;

import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.AutoEncoderParity.Comparison;
import dev.dualproc.model.flux.FluxParity;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc parity flux DIR`: the Java models against tensors dumped by the reference code (fixtures/flux format). */
@Command(name = "parity", mixinStandardHelpOptions = true,
    description = "Compare the Java models with reference tensors; exits 1 when any relative error exceeds the tolerance.")
public final class ParityCommand {
  @Command(name = "flux", mixinStandardHelpOptions = true,
      description = "FLUX transformer, autoencoder and schnell sampling against a fixtures/flux-format folder.")
  int flux(@Parameters(paramLabel = "DIR") Path dir,
           @Option(names = "--tolerance", defaultValue = "1e-4", description = "max relative error (default: ${DEFAULT-VALUE})") double tolerance) {
    List<Comparison> rows = FluxParity.run(dir, Placement.cpu());
    System.out.printf("%-36s %-18s %12s %12s  %s%n", "tensor", "shape", "max abs", "relative", "");
    boolean ok = true;
    for (Comparison c : rows) {
      boolean pass = c.within(tolerance);
      ok &= pass;
      System.out.printf("%-36s %-18s %12.3e %12.3e  %s%n", c.name(), Arrays.toString(c.shape()).replace(" ", ""), c.maxAbs(), c.relative(), pass ? "ok" : "FAIL");
    }
    System.out.println((ok ? "parity ok: " : "parity FAILED: ") + rows.size() + " tensors, tolerance " + tolerance + " (relative to max |reference|), fp32 on the CPU");
    return ok ? 0 : 1;
  }
}
