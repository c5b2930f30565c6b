package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.constant_pad_nd;

/** Zero padding on the right and bottom only (0, 1, 0, 1), then a 3x3 stride-2 conv without padding. */
public final class Downsample {
  final Conv2d conv;

  Downsample(Conv2d conv) { this.conv = conv; }

  static Downsample load(Weights w, long channels) { return new Downsample(Conv2d.load(w, "conv", channels, channels, 3, 2, 0)); }

  public Tensor forward(Tensor x) { return conv.forward(constant_pad_nd(x, new long[] {0, 1, 0, 1}, new Scalar(0.0))); }
}
