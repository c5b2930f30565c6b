package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

/** BFL SingleStreamBlock: one fused linear1 = qkv ‖ mlp-in, attention and GELU in parallel, fused linear2 out. */
final class SingleStreamBlock {
  final int numHeads;
  final long hidden, mlpHidden;
  final Linear linear1, linear2;
  final QKNorm norm;
  final Modulation modulation;

  SingleStreamBlock(Weights w, FluxParams p, Map<String, Linear> all) {
    numHeads = p.numHeads();
    hidden = p.hiddenSize();
    mlpHidden = p.mlpHidden();
    linear1 = Ops.linear(w, "linear1", hidden, 3 * hidden + mlpHidden, true, all);
    linear2 = Ops.linear(w, "linear2", hidden + mlpHidden, hidden, true, all);
    norm = new QKNorm(w.scope("norm"), p.headDim());
    modulation = new Modulation(w.scope("modulation"), hidden, false, all);
  }

  Tensor forward(Tensor x, Tensor vec, Tensor pe) {
    Modulation.Out mod = modulation.forward(vec)[0];
    Tensor h = linear1.forward(Ops.modulate(Ops.layerNorm(x), mod.shift(), mod.scale()));
    Tensor qkv = h.narrow(-1, 0, 3 * hidden), mlp = h.narrow(-1, 3 * hidden, mlpHidden);
    Tensor[] s = Ops.splitQkv(qkv, numHeads);
    Tensor[] qk = norm.forward(s[0], s[1], s[2]);
    Tensor attn = EmbedND.attention(qk[0], qk[1], s[2], pe);
    Tensor out = linear2.forward(cat(new TensorVector(attn, Ops.geluTanh(mlp)), 2));
    return x.add(mod.gate().mul(out));
  }
}
