package dev.dualproc.cli;

import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.AutoEncoder;
import dev.dualproc.model.flux.AutoEncoderFiles;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.AutoEncoderParity;
import dev.dualproc.model.flux.FluxParity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc parity flux DIR`: the Java models against tensors dumped by the reference code (fixtures/flux format). */
@Command(name = "parity", mixinStandardHelpOptions = true,
    description = "Compare the Java models with reference tensors; exits 1 when any relative error exceeds the tolerance.")
public final class ParityCommand {
  @Command(name = "flux", mixinStandardHelpOptions = true,
      description = "FLUX transformer (output, trace, gradients, diffusers names), autoencoder and schnell sampling against a fixtures/flux-format folder.")
  int flux(@Parameters(paramLabel = "DIR") Path dir,
           @Option(names = "--tolerance", defaultValue = "1e-4", description = "max relative error (default: ${DEFAULT-VALUE})") double tolerance) {
    Path aeWeights = dir.resolve("tiny-ae.safetensors");
    AutoEncoder ae = Files.isRegularFile(aeWeights)
        ? AutoEncoderFiles.load(aeWeights, AutoEncoderParams.fromJson(dir.resolve("config.json")), Placement.cpu()) : null;
    FluxParity.Result flux = FluxParity.run(dir, tolerance, ae == null ? null : ae::decode);
    List<FluxParity.Comparison> rows = new ArrayList<>(flux.comparisons());
    List<String> skipped = new ArrayList<>(flux.skipped());
    if (ae != null)
      for (AutoEncoderParity.Comparison c : AutoEncoderParity.run(dir, Placement.cpu()))
        rows.add(new FluxParity.Comparison(c.name(), c.maxAbs(), c.relative(), tolerance));
    else skipped.add("autoencoder: no tiny-ae.safetensors");
    rows.forEach(c -> System.out.println(c.line()));
    skipped.forEach(s -> System.out.println("skipped: " + s));
    boolean ok = rows.stream().allMatch(FluxParity.Comparison::ok);
    long failed = rows.stream().filter(c -> !c.ok()).count();
    System.out.println((ok ? "parity ok: " : "parity FAILED (" + failed + "): ") + rows.size() + " tensors within relative error "
        + tolerance + " (max |java - reference| / max |reference|), fp32 on the CPU");
    return ok ? 0 : 1;
  }
}
