package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;

/** Single-head self-attention over the H*W positions, q/k/v/proj_out as 1x1 convs, added to the input. */
public final class AttnBlock {
  final GroupNorm norm;
  final Conv2d q, k, v, projOut;

  AttnBlock(GroupNorm norm, Conv2d q, Conv2d k, Conv2d v, Conv2d projOut) {
    this.norm = norm; this.q = q; this.k = k; this.v = v; this.projOut = projOut;
  }

  static AttnBlock load(Weights w, long channels) {
    return new AttnBlock(GroupNorm.load(w, "norm", channels), Conv2d.load(w, "q", channels, channels, 1, 1, 0),
        Conv2d.load(w, "k", channels, channels, 1, 1, 0), Conv2d.load(w, "v", channels, channels, 1, 1, 0),
        Conv2d.load(w, "proj_out", channels, channels, 1, 1, 0));
  }

  public Tensor forward(Tensor x) {
    long b = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
    Tensor n = norm.forward(x);
    // b c h w -> b 1 (h w) c: one head whose width is all channels
    Tensor o = scaled_dot_product_attention(tokens(q.forward(n), b, c), tokens(k.forward(n), b, c), tokens(v.forward(n), b, c));
    Tensor back = o.squeeze(1).transpose(1, 2).reshape(b, c, h, wd);
    return x.add(projOut.forward(back));
  }

  private static Tensor tokens(Tensor t, long b, long c) {
    return t.reshape(b, c, -1).transpose(1, 2).unsqueeze(1);
  }
}
