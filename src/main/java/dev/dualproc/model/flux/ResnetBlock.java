package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/** norm1, swish, conv1, norm2, swish, conv2, plus the input (through a 1x1 nin_shortcut when channels change). */
public final class ResnetBlock {
  final GroupNorm norm1, norm2;
  final Conv2d conv1, conv2;
  final Conv2d ninShortcut; // null when in == out

  ResnetBlock(GroupNorm norm1, Conv2d conv1, GroupNorm norm2, Conv2d conv2, Conv2d ninShortcut) {
    this.norm1 = norm1; this.conv1 = conv1; this.norm2 = norm2; this.conv2 = conv2; this.ninShortcut = ninShortcut;
  }

  static ResnetBlock load(Weights w, long in, long out) {
    return new ResnetBlock(GroupNorm.load(w, "norm1", in), Conv2d.load(w, "conv1", in, out, 3, 1, 1),
        GroupNorm.load(w, "norm2", out), Conv2d.load(w, "conv2", out, out, 3, 1, 1),
        in == out ? null : Conv2d.load(w, "nin_shortcut", in, out, 1, 1, 0));
  }

  public Tensor forward(Tensor x) {
    Tensor h = conv1.forward(silu(norm1.forward(x)));
    h = conv2.forward(silu(norm2.forward(h)));
    return (ninShortcut == null ? x : ninShortcut.forward(x)).add(h);
  }
}
