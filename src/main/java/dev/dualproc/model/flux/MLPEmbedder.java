package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/** BFL MLPEmbedder: in_layer, SiLU, out_layer (time_in, vector_in, guidance_in). */
final class MLPEmbedder {
  final Linear in_layer, out_layer;

  MLPEmbedder(Weights w, long inDim, long hidden, Map<String, Linear> all) {
    in_layer = Ops.linear(w, "in_layer", inDim, hidden, true, all);
    out_layer = Ops.linear(w, "out_layer", hidden, hidden, true, all);
  }

  Tensor forward(Tensor x) { return out_layer.forward(silu(in_layer.forward(x))); }
}
