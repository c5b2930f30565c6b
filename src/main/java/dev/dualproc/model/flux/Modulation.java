package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
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
    TensorVector c = lin.forward(silu(vec)).unsqueeze(1).chunk(isDouble ? 6 : 3, -1);
    Out first = new Out(c.get(0), c.get(1), c.get(2));
    return isDouble ? new Out[] {first, new Out(c.get(3), c.get(4), c.get(5))} : new Out[] {first};
  }
}
