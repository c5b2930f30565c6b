package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/** BFL Modulation: lin(SiLU(vec)) split into (shift, scale, gate), twice for double blocks. */
final class Modulation {
  record Out(Tensor shift, Tensor scale, Tensor gate) {}

  final Linear lin;
  final boolean isDouble;

  Modulation(Weights w, long dim, boolean isDouble, Map<String, Linear> all) {
    this.isDouble = isDouble;
    lin = Ops.linear(w, "lin", dim, (isDouble ? 6 : 3) * dim, true, all);
  }

  /** vec [B, dim] -> one or two Outs of [B, 1, dim]. */
  Out[] forward(Tensor vec) {
    // narrow, not chunk: TensorVector.get returns a reference into the vector, which dies with it
    Tensor m = lin.forward(silu(vec)).unsqueeze(1);
    long d = m.size(-1) / (isDouble ? 6 : 3);
    Out first = new Out(m.narrow(-1, 0, d), m.narrow(-1, d, d), m.narrow(-1, 2 * d, d));
    return isDouble ? new Out[] {first, new Out(m.narrow(-1, 3 * d, d), m.narrow(-1, 4 * d, d), m.narrow(-1, 5 * d, d))} : new Out[] {first};
  }
}
