package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.AutoEncoderParity.Comparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The whole FLUX parity check of `dualproc parity flux DIR` against a folder in the fixtures/flux format (config.json,
 * tiny-flux*.safetensors, tiny-ae*.safetensors, tiny-schnell-sample.safetensors): transformer output and its input
 * gradient, the diffusers-named copy of the weights, the autoencoder, and the schnell sample from noise to image.
 */
public final class FluxParity {
  private FluxParity() {}

  public static List<Comparison> run(Path dir, Placement placement) {
    FluxParams p = FluxParams.fromJson(require(dir, "config.json"));
    Flux flux = load(require(dir, "tiny-flux.safetensors"), p, placement);
    List<Comparison> out = new ArrayList<>();
    try (SafeTensorsFile io = SafeTensorsFile.open(require(dir, "tiny-flux-io.safetensors")); PointerScope s = new PointerScope()) {
      Tensor img = io.load("img").requires_grad_(true);
      Tensor o = flux.forward(img, io.load("img_ids"), io.load("txt"), io.load("txt_ids"), io.load("timesteps"), io.load("y"), null);
      out.add(compare("flux.forward out", o, io.load("out")));
      o.mul(placement.place(io.load("R"))).sum().backward();
      out.add(compare("flux.forward grad_img", img.grad(), io.load("grad_img")));
      Path diffusers = dir.resolve("tiny-flux-diffusers.safetensors");
      if (Files.isRegularFile(diffusers)) {
        Flux d = load(diffusers, p, placement);
        try (NoGradGuard g = new NoGradGuard()) {
          out.add(compare("flux.forward out (diffusers names)", d.forward(io.load("img"), io.load("img_ids"), io.load("txt"),
              io.load("txt_ids"), io.load("timesteps"), io.load("y"), null), io.load("out")));
        }
      }
    }
    out.addAll(AutoEncoderParity.run(dir, placement));
    Path sample = dir.resolve("tiny-schnell-sample.safetensors");
    if (Files.isRegularFile(sample)) {
      AutoEncoder ae = AutoEncoderFiles.load(require(dir, "tiny-ae.safetensors"), AutoEncoderParams.fromJson(dir.resolve("config.json")), placement);
      try (SafeTensorsFile f = SafeTensorsFile.open(sample); PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        FluxSampler sampler = new FluxSampler(flux, Tensors.floats(f.load("timesteps")), 0.0);
        Tensor latent = sampler.sample(f.load("noise"), FluxCond.of(f.load("txt"), f.load("vec")));
        out.add(compare("schnell sample latent", latent, f.load("latent")));
        out.add(compare("schnell sample image", ae.decode(latent), f.load("image")));
      }
    }
    return out;
  }

  private static Flux load(Path file, FluxParams p, Placement placement) {
    try (TensorSource s = FluxCheckpoint.open(file)) {
      Flux f = Flux.load(s, p, placement);
      if (!f.loadReport().unmatched().isEmpty())
        throw new DualprocException(file + ": tensors no module uses: " + f.loadReport().unmatched());
      return f;
    }
  }

  static Comparison compare(String name, Tensor actual, Tensor expected) {
    if (!Arrays.equals(Tensors.shape(actual), Tensors.shape(expected)))
      throw new DualprocException(name + ": Java gives shape " + Tensors.shapeString(actual) + ", the reference " + Tensors.shapeString(expected));
    return new Comparison(name, Tensors.shape(expected), Tensors.maxAbsDiff(actual, expected), Tensors.relativeError(actual, expected));
  }

  private static Path require(Path dir, String name) {
    Path f = dir.resolve(name);
    if (!Files.isRegularFile(f)) throw new DualprocException(dir + ": missing " + name + " (a FLUX parity folder holds config.json, tiny-flux*.safetensors, tiny-ae*.safetensors)");
    return f;
  }
}
