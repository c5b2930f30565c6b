package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs the Java transformer and sampler on a fixture folder in the format of {@code fixtures/flux/README.md}
 * ({@code config.json}, {@code tiny-flux*.safetensors}, {@code tiny-schnell-sample.safetensors}) and compares every
 * reference tensor: max |java - reference| and that over max |reference|. The autoencoder's part is the caller's
 * (pass its decoder to also compare the decoded sample).
 */
public final class FluxParity {
  private FluxParity() {}

  public record Comparison(String name, double maxAbs, double rel, double tolerance) {
    public boolean ok() { return rel <= tolerance; } // NaN fails
    public String line() { return String.format(Locale.ROOT, "%-48s max abs %.3e  rel %.3e  %s", name, maxAbs, rel, ok() ? "ok" : "FAIL (> " + tolerance + ")"); }
  }

  public record Result(List<Comparison> comparisons, List<String> skipped) {
    public boolean ok() { return comparisons.stream().allMatch(Comparison::ok); }
  }

  /** {@code decoder}: latent -> image with the folder's autoencoder, or null to skip the decoded-image comparison. */
  public static Result run(Path dir, double tolerance, UnaryOperator<Tensor> decoder) {
    List<Comparison> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    FluxParams p = FluxParams.fromJson(require(dir, "config.json"));
    Flux flux;
    try (SafeTensorsFile w = SafeTensorsFile.open(require(dir, "tiny-flux.safetensors"))) {
      flux = Flux.load(w, p, Placement.cpu());
    }
    if (!flux.loadReport().unmatched().isEmpty())
      throw new DualprocException(dir.resolve("tiny-flux.safetensors") + ": tensors the model does not use: " + flux.loadReport().unmatched());

    Map<String, Tensor> io = optional(dir, "tiny-flux-io.safetensors", skipped);
    if (io != null) {
      try (NoGradGuard g = new NoGradGuard()) {
        out.add(compare("out", forward(flux, io, "img_ids", "txt_ids", Flux.Probe.NONE), io.get("out"), tolerance));
        if (io.containsKey("out_alt"))
          out.add(compare("out_alt", forward(flux, io, "img_ids_alt", "txt_ids_alt", Flux.Probe.NONE), io.get("out_alt"), tolerance));
      }
      Map<String, Tensor> trace = optional(dir, "tiny-flux-trace.safetensors", skipped);
      if (trace != null) {
        Map<String, Tensor> seen = new HashMap<>();
        try (NoGradGuard g = new NoGradGuard()) { forward(flux, io, "img_ids", "txt_ids", seen::put); }
        for (var e : trace.entrySet()) {
          Tensor got = seen.get(e.getKey());
          if (got == null) skipped.add("trace " + e.getKey() + ": the Java model records no such intermediate");
          else out.add(compare("trace " + e.getKey(), got, e.getValue(), tolerance));
        }
      }
      if (io.containsKey("R")) gradients(dir, flux, io, tolerance, out, skipped);
    }

    Path diffusers = dir.resolve("tiny-flux-diffusers.safetensors");
    if (Files.isRegularFile(diffusers) && io != null) {
      try (var d = FluxKeyMap.diffusers().asBfl(SafeTensorsFile.open(diffusers)); NoGradGuard g = new NoGradGuard()) {
        Flux fd = Flux.load(d, p, Placement.cpu());
        out.add(compare("out (diffusers-named weights)", forward(fd, io, "img_ids", "txt_ids", Flux.Probe.NONE), io.get("out"), tolerance));
      }
    } else skipped.add("tiny-flux-diffusers.safetensors" + (io == null ? ": needs tiny-flux-io" : ": absent"));

    Map<String, Tensor> s = optional(dir, "tiny-schnell-sample.safetensors", skipped);
    if (s != null) sample(flux, s, tolerance, decoder, out, skipped);
    return new Result(out, skipped);
  }

  private static void gradients(Path dir, Flux flux, Map<String, Tensor> io, double tolerance, List<Comparison> out, List<String> skipped) {
    Map<String, Tensor> grads = optional(dir, "tiny-flux-grads.safetensors", skipped);
    Tensor img = io.get("img").clone().requires_grad_(true), txt = io.get("txt").clone().requires_grad_(true),
        y = io.get("y").clone().requires_grad_(true);
    Map<String, Tensor> params = flux.stateDict();
    if (grads != null) params.values().forEach(t -> t.requires_grad_(true));
    try {
      Tensor o = flux.forward(img, io.get("img_ids"), txt, io.get("txt_ids"), io.get("timesteps"), y, io.get("guidance"));
      o.mul(io.get("R")).sum().backward();
      for (String n : List.of("img", "txt", "y")) {
        Tensor x = n.equals("img") ? img : n.equals("txt") ? txt : y;
        if (io.containsKey("grad_" + n)) out.add(compare("grad_" + n, x.grad(), io.get("grad_" + n), tolerance));
      }
      if (grads != null)
        for (var e : grads.entrySet()) {
          Tensor t = params.get(e.getKey());
          if (t == null) throw new DualprocException(dir.resolve("tiny-flux-grads.safetensors") + ": '" + e.getKey() + "' is not a model weight");
          out.add(compare("grad " + e.getKey(), t.grad(), e.getValue(), tolerance));
        }
    } finally {
      params.values().forEach(t -> t.requires_grad_(false));
    }
  }

  private static void sample(Flux flux, Map<String, Tensor> s, double tolerance, UnaryOperator<Tensor> decoder,
                             List<Comparison> out, List<String> skipped) {
    int steps = (int) s.get("timesteps").size(0) - 1;
    long seqLen = s.get("img").size(1);
    float[] schnell = FluxSchedule.schnell(steps);
    out.add(compare("timesteps", Tensors.fromFloats(schnell, schnell.length), s.get("timesteps"), tolerance));
    if (s.containsKey("timesteps_shift")) {
      float[] t = FluxSchedule.dev(steps, seqLen);
      out.add(compare("timesteps_shift", Tensors.fromFloats(t, t.length), s.get("timesteps_shift"), tolerance));
    }
    if (s.containsKey("timesteps_dev50_seq4096")) {
      float[] t = FluxSchedule.dev(50, 4096);
      out.add(compare("timesteps_dev50_seq4096", Tensors.fromFloats(t, t.length), s.get("timesteps_dev50_seq4096"), tolerance));
    }
    Tensor noise = s.get("noise");
    if (s.containsKey("noise_seed")) {
      long[] n = Tensors.shape(noise);
      out.add(compare("noise (seeded)", FluxSampler.noise(Tensors.longs(s.get("noise_seed"))[0], n[0], n[1], n[2], n[3]), noise, 0.0));
    }
    long h = noise.size(2) / 2, w = noise.size(3) / 2;
    out.add(compare("img (packed noise)", LatentPacking.pack(noise), s.get("img"), 0.0));
    out.add(compare("img_ids", LatentPacking.imgIds(noise.size(0), h, w), s.get("img_ids"), 0.0));
    FluxCond c = new FluxCond(s.get("txt"), s.get("txt_ids"), s.get("vec"));
    double guidance = s.containsKey("guidance") ? Tensors.item(s.get("guidance")) : 0.0;
    FluxSampler sampler = new FluxSampler(flux, Tensors.floats(s.get("timesteps")), guidance);
    List<Comparison> steps_ = new ArrayList<>();
    Tensor packed = sampler.denoisePacked(s.get("img"), s.get("img_ids"), c, 0, steps, (i, x, v, next) -> {
      if (s.containsKey("preds")) steps_.add(compare("preds[" + i + "]", v, s.get("preds").select(0, i), tolerance));
      if (s.containsKey("traj")) steps_.add(compare("traj[" + (i + 1) + "]", next, s.get("traj").select(0, i + 1), tolerance));
    });
    out.addAll(steps_);
    out.add(compare("out_packed", packed, s.get("out_packed"), tolerance));
    Tensor latent = LatentPacking.unpack(packed, h, w);
    out.add(compare("latent", latent, s.get("latent"), tolerance));
    if (decoder == null) skipped.add("image: no autoencoder given");
    else if (s.containsKey("image")) {
      Tensor img = StepScope.compute(() -> {
        try (NoGradGuard g = new NoGradGuard()) { return decoder.apply(latent); }
      });
      out.add(compare("image (decoded sample)", img, s.get("image"), tolerance));
    }
  }

  private static Tensor forward(Flux f, Map<String, Tensor> io, String imgIds, String txtIds, Flux.Probe probe) {
    return f.forward(io.get("img"), io.get(imgIds), io.get("txt"), io.get(txtIds), io.get("timesteps"), io.get("y"), io.get("guidance"), probe);
  }

  public static Comparison compare(String name, Tensor actual, Tensor expected, double tolerance) {
    if (!Arrays.equals(Tensors.shape(actual), Tensors.shape(expected)))
      return new Comparison(name + " (shape " + Tensors.shapeString(actual) + " vs " + Tensors.shapeString(expected) + ")",
          Double.NaN, Double.NaN, tolerance);
    return new Comparison(name, Tensors.maxAbsDiff(actual, expected), Tensors.relativeError(actual, expected), tolerance);
  }

  private static Path require(Path dir, String name) {
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) throw new DualprocException(dir + ": missing " + name + " (see fixtures/flux/README.md for the folder format)");
    return p;
  }

  private static Map<String, Tensor> optional(Path dir, String name, List<String> skipped) {
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) { skipped.add(name + ": absent"); return null; }
    Map<String, Tensor> t = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
      for (String n : f.names()) t.put(n, f.load(n));
    }
    return t;
  }
}
