package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import static org.bytedeco.pytorch.global.torch.group_norm;

/** torch.nn.GroupNorm(32, C, eps=1e-6, affine): the only norm of the autoencoder. */
public final class GroupNorm {
  static final double EPS = 1e-6;
  public final Tensor weight, bias;

  GroupNorm(Tensor weight, Tensor bias) { this.weight = weight; this.bias = bias; }

  static GroupNorm load(Weights w, String name, long channels) {
    Weights s = w.scope(name);
    return new GroupNorm(s.get("weight", channels), s.get("bias", channels));
  }

  public Tensor forward(Tensor x) {
    return group_norm(x, AutoEncoderParams.GROUPS, new TensorOptional(weight), new TensorOptional(bias), EPS, true);
  }
}
