package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/** BFL LastLayer: adaLN (shift, scale — in that order) over a plain LayerNorm, then the projection to patch values. */
final class LastLayer {
  final Linear linear;
  final Linear adaLN_modulation_1; // key adaLN_modulation.1 (index 0 is the SiLU)

  LastLayer(Weights w, long hidden, long outChannels, Map<String, Linear> all) {
    linear = Ops.linear(w, "linear", hidden, outChannels, true, all);
    adaLN_modulation_1 = Ops.linear(w.scope("adaLN_modulation"), "1", hidden, 2 * hidden, true, all);
  }

  Tensor forward(Tensor x, Tensor vec) {
    Tensor m = adaLN_modulation_1.forward(silu(vec)).unsqueeze(1);
    long d = m.size(-1) / 2;
    Tensor shift = m.narrow(-1, 0, d), scale = m.narrow(-1, d, d);
    return linear.forward(Ops.modulate(Ops.layerNorm(x), shift, scale));
  }
}
