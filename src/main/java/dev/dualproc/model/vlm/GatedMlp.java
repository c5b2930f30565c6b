package dev.dualproc.model.vlm;

import dev.dualproc.model.text.Activation;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/** SwiGLU-style MLP: down_proj(act(gate_proj(x)) * up_proj(x)); the Llama/Mistral MLP and Idefics2MLP. */
final class GatedMlp {
  final Linear gate_proj, up_proj, down_proj;
  final Activation act;

  GatedMlp(Weights w, long in, long intermediate, long out, Activation act, boolean bias) {
    gate_proj = Linear.load(w, "gate_proj", in, intermediate, bias);
    up_proj = Linear.load(w, "up_proj", in, intermediate, bias);
    down_proj = Linear.load(w, "down_proj", intermediate, out, bias);
    this.act = act;
  }

  Tensor forward(Tensor x) {
    return down_proj.forward(act.apply(gate_proj.forward(x)).mul(up_proj.forward(x)));
  }
}
