package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

/** Nearest-neighbour 2x upsampling, then a 3x3 conv. */
public final class Upsample {
  final Conv2d conv;

  Upsample(Conv2d conv) { this.conv = conv; }

  static Upsample load(Weights w, long channels) { return new Upsample(Conv2d.load(w, "conv", channels, channels, 3, 1, 1)); }

  public Tensor forward(Tensor x) { return conv.forward(upsample_nearest2d(x, x.size(2) * 2, x.size(3) * 2)); }
}
