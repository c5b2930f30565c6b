package dev.dualproc.model.vlm;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import static org.bytedeco.pytorch.global.torch.layer_norm;

/** nn.LayerNorm over the last dimension, with weight and bias. */
record LayerNorm(Tensor weight, Tensor bias, double eps) {
  static LayerNorm load(Weights w, String name, long dim, double eps) {
    Weights s = w.scope(name);
    return new LayerNorm(s.get("weight", dim), s.get("bias", dim), eps);
  }

  Tensor forward(Tensor x) {
    return layer_norm(x, new long[] {weight.size(0)}, new TensorOptional(weight), new TensorOptional(bias), eps, false);
  }
}
