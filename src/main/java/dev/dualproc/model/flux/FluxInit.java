package dev.dualproc.model.flux;

import dev.dualproc.engine.Rng;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.ones;

/** The BFL state-dict layout of a FluxParams, and seeded random weights in it (tiny test models, `dev tiny-model flux`). */
public final class FluxInit {
  private FluxInit() {}

  /** Every BFL key with its shape, in Flux.state_dict() order. */
  public static Map<String, long[]> shapes(FluxParams p) {
    Map<String, long[]> s = new LinkedHashMap<>();
    long h = p.hiddenSize(), mlp = p.mlpHidden(), hd = p.headDim();
    linear(s, "img_in", p.inChannels(), h, true);
    linear(s, "time_in.in_layer", 256, h, true);
    linear(s, "time_in.out_layer", h, h, true);
    linear(s, "vector_in.in_layer", p.vecInDim(), h, true);
    linear(s, "vector_in.out_layer", h, h, true);
    if (p.guidanceEmbed()) {
      linear(s, "guidance_in.in_layer", 256, h, true);
      linear(s, "guidance_in.out_layer", h, h, true);
    }
    linear(s, "txt_in", p.contextInDim(), h, true);
    for (int i = 0; i < p.depth(); i++) {
      for (String stream : new String[] {"img", "txt"}) {
        String b = "double_blocks." + i + "." + stream;
        linear(s, b + "_mod.lin", h, 6 * h, true);
        linear(s, b + "_attn.qkv", h, 3 * h, p.qkvBias());
        s.put(b + "_attn.norm.query_norm.scale", new long[] {hd});
        s.put(b + "_attn.norm.key_norm.scale", new long[] {hd});
        linear(s, b + "_attn.proj", h, h, true);
        linear(s, b + "_mlp.0", h, mlp, true);
        linear(s, b + "_mlp.2", mlp, h, true);
      }
    }
    for (int i = 0; i < p.depthSingleBlocks(); i++) {
      String b = "single_blocks." + i + ".";
      linear(s, b + "linear1", h, 3 * h + mlp, true);
      linear(s, b + "linear2", h + mlp, h, true);
      s.put(b + "norm.query_norm.scale", new long[] {hd});
      s.put(b + "norm.key_norm.scale", new long[] {hd});
      linear(s, b + "modulation.lin", h, 3 * h, true);
    }
    linear(s, "final_layer.linear", h, p.outChannels(), true);
    linear(s, "final_layer.adaLN_modulation.1", h, 2 * h, true);
    return s;
  }

  private static void linear(Map<String, long[]> s, String name, long in, long out, boolean bias) {
    s.put(name + ".weight", new long[] {out, in});
    if (bias) s.put(name + ".bias", new long[] {out});
  }

  /** Float32 weights: linear weights N(0, 1/in), biases N(0, 0.02^2), RMS norm scales 1. */
  public static Map<String, Tensor> randomWeights(FluxParams p, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    shapes(p).forEach((k, shape) -> {
      Tensor t;
      if (k.endsWith(".scale")) t = ones(shape);
      else if (k.endsWith(".bias")) t = Rng.normal(g, shape).mul(new Scalar(0.02));
      else t = Rng.normal(g, shape).mul(new Scalar(1.0 / Math.sqrt(shape[1])));
      out.put(k, t);
    });
    return out;
  }
}
