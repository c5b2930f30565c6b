package dev.dualproc.model.flux;

import dev.dualproc.engine.Convolutions;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/** torch.nn.Conv2d with a bias: {@code <name>.weight} [out, in, k, k], {@code <name>.bias} [out]; frozen. */
public final class Conv2d {
  public final Tensor weight, bias;
  private final long stride, padding;

  Conv2d(Tensor weight, Tensor bias, long stride, long padding) {
    this.weight = weight; this.bias = bias; this.stride = stride; this.padding = padding;
  }

  static Conv2d load(Weights w, String name, long in, long out, long kernel, long stride, long padding) {
    Weights s = w.scope(name);
    return new Conv2d(s.get("weight", out, in, kernel, kernel), s.get("bias", out), stride, padding);
  }

  public Tensor forward(Tensor x) {
    return Convolutions.conv2d(x, weight, bias, stride, padding, 1);
  }
}
