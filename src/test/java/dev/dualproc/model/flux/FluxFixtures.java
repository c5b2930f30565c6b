package dev.dualproc.model.flux;

import dev.dualproc.engine.Fixtures;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

/** The FLUX fixture folder (-Ddualproc.shared=..., default ../shared): its config, weights and tensors. */
final class FluxFixtures {
  private FluxFixtures() {}

  /** Relative error allowed against the fp32 reference (README: the fp32 floor is ~6e-7, typical mistakes >= 3e-4). */
  static final double TOLERANCE = 1e-4;

  static Path folder() {
    Path p = Fixtures.shared().resolve("fixtures").resolve("flux");
    if (!Files.isDirectory(p)) throw new AssertionError("missing fixture folder " + p + " (set -Ddualproc.shared=<folder holding fixtures/>)");
    return p;
  }

  static FluxParams params() { return FluxParams.fromJson(Fixtures.flux("config.json")); }

  static Flux model() {
    try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.flux("tiny-flux.safetensors"))) {
      return Flux.load(f, params(), Placement.cpu());
    }
  }

  /** All tensors of a fixture file, loaded into memory. */
  static Map<String, Tensor> tensors(String file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.flux(file))) {
      for (String n : f.names()) out.put(n, f.load(n));
    }
    return out;
  }

  static void assertClose(String what, Tensor actual, Tensor expected, double tol) {
    assertThat(Tensors.shape(actual)).as(what + " shape").isEqualTo(Tensors.shape(expected));
    double rel = Tensors.relativeError(actual, expected);
    System.out.printf("%-40s max abs %.3e  rel %.3e%n", what, Tensors.maxAbsDiff(actual, expected), rel);
    assertThat(rel).as(what + ": max |java - reference| / max |reference|").isLessThanOrEqualTo(tol);
  }
}
