package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The autoencoder part of {@code dualproc parity flux DIR}: runs the Java autoencoder on a fixture folder in the
 * format of {@code fixtures/flux/README.md} (config.json "ae", tiny-ae.safetensors, tiny-ae-io.safetensors and, when
 * present, tiny-schnell-sample.safetensors) and compares every reference tensor.
 */
public final class AutoEncoderParity {
  private AutoEncoderParity() {}

  /** One compared tensor: max |java - reference| and that divided by max |reference|. */
  public record Comparison(String name, long[] shape, double maxAbs, double relative) {
    public boolean within(double tolerance) { return relative <= tolerance; }
  }

  public static List<Comparison> run(Path dir, Placement placement) {
    AutoEncoderParams p = AutoEncoderParams.fromJson(require(dir, "config.json"));
    AutoEncoder ae = AutoEncoderFiles.load(require(dir, "tiny-ae.safetensors"), p, placement);
    if (!ae.report().unmatched().isEmpty())
      throw new DualprocException(ae.report().origin() + ": tensors no module uses: " + ae.report().unmatched());
    List<Comparison> out = new ArrayList<>();
    try (SafeTensorsFile io = SafeTensorsFile.open(require(dir, "tiny-ae-io.safetensors")); PointerScope s = new PointerScope()) {
      Tensor x = io.load("x"), z = io.load("z");
      out.add(compare("ae.moments", ae.moments(x), io.load("moments")));
      out.add(compare("ae.encode z", ae.encode(x), z));
      Tensor zGrad = z.clone().requires_grad_(true);
      Tensor xrec = ae.decode(zGrad);
      out.add(compare("ae.decode xrec", xrec, io.load("xrec")));
      xrec.mul(placement.place(io.load("R2"))).sum().backward();
      out.add(compare("ae.decode grad_z", zGrad.grad(), io.load("grad_z")));
    }
    Path sample = dir.resolve("tiny-schnell-sample.safetensors");
    if (Files.isRegularFile(sample)) {
      try (SafeTensorsFile f = SafeTensorsFile.open(sample); PointerScope s = new PointerScope()) {
        out.add(compare("ae.decode sample image", ae.decode(f.load("latent")), f.load("image")));
      }
    }
    return out;
  }

  private static Comparison compare(String name, Tensor actual, Tensor expected) {
    if (!Arrays.equals(Tensors.shape(actual), Tensors.shape(expected)))
      throw new DualprocException(name + ": Java gives shape " + Tensors.shapeString(actual) + ", the reference " + Tensors.shapeString(expected));
    return new Comparison(name, Tensors.shape(expected), Tensors.maxAbsDiff(actual, expected), Tensors.relativeError(actual, expected));
  }

  private static Path require(Path dir, String name) {
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f)) throw new DualprocException(dir + ": missing " + name + " (fixture folder format: fixtures/flux/README.md)");
    return f;
  }
}
