package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import static org.bytedeco.pytorch.global.torch.*;

/** The few tensor idioms the FLUX modules share (the JavaCPP spellings of one-liners in layers.py). */
final class Ops {
  private Ops() {}

  // retained: a class first loaded inside a PointerScope would otherwise see its constant freed with that scope
  static final Scalar ONE = new Scalar(1.0).retainReference();

  /** LayerNorm over the last dimension without affine parameters, eps 1e-6 (img_norm1, pre_norm, norm_final). */
  static Tensor layerNorm(Tensor x) {
    return layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(), new TensorOptional(), 1e-6, true);
  }

  /** (1 + scale) * x + shift. */
  static Tensor modulate(Tensor x, Tensor shift, Tensor scale) { return x.mul(scale.add(ONE)).add(shift); }

  static Tensor geluTanh(Tensor x) { return gelu(x, "tanh"); }

  /** softmax(q k^T / sqrt(d)) v over (B, H, L, D), no mask. */
  static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
    return scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
  }

  /** Loads {@code name} under {@code w} and records it by its full checkpoint name (LoRA targets are found there). */
  static Linear linear(Weights w, String name, long in, long out, boolean bias, Map<String, Linear> all) {
    Linear l = Linear.load(w, name, in, out, bias);
    all.put(w.key(name), l);
    return l;
  }

  /** "B L (K H D) -> K B H L D": the K-th of q, k, v with heads split out. */
  static Tensor[] splitQkv(Tensor qkv, int heads) {
    long b = qkv.size(0), l = qkv.size(1), d = qkv.size(2) / 3 / heads;
    Tensor p = qkv.reshape(b, l, 3, heads, d).permute(2, 0, 3, 1, 4);
    return new Tensor[] {p.select(0, 0), p.select(0, 1), p.select(0, 2)};
  }
}
