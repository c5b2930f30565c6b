package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;

/** BFL SelfAttention's weights: fused qkv, the q/k RMS norms and the output projection (used by double blocks). */
final class SelfAttention {
  final Linear qkv;
  final QKNorm norm;
  final Linear proj;

  SelfAttention(Weights w, FluxParams p, Map<String, Linear> all) {
    long h = p.hiddenSize();
    qkv = Ops.linear(w, "qkv", h, 3 * h, p.qkvBias(), all);
    norm = new QKNorm(w.scope("norm"), p.headDim());
    proj = Ops.linear(w, "proj", h, h, true, all);
  }
}
