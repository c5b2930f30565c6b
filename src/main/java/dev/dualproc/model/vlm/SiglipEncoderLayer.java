package dev.dualproc.model.vlm;

import dev.dualproc.model.text.Activation;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/** Pre-norm ViT block: x + attn(layer_norm1(x)), then x + mlp(layer_norm2(x)); attention over all patches. */
final class SiglipEncoderLayer {
  final LayerNorm layer_norm1, layer_norm2;
  final Linear q_proj, k_proj, v_proj, out_proj, fc1, fc2;
  final Activation act;
  final int heads, headDim;

  SiglipEncoderLayer(Weights w, VisionConfig c) {
    long d = c.hiddenSize();
    layer_norm1 = LayerNorm.load(w, "layer_norm1", d, c.layerNormEps());
    layer_norm2 = LayerNorm.load(w, "layer_norm2", d, c.layerNormEps());
    Weights a = w.scope("self_attn");
    q_proj = Linear.load(a, "q_proj", d, d, true);
    k_proj = Linear.load(a, "k_proj", d, d, true);
    v_proj = Linear.load(a, "v_proj", d, d, true);
    out_proj = Linear.load(a, "out_proj", d, d, true);
    Weights m = w.scope("mlp");
    fc1 = Linear.load(m, "fc1", d, c.intermediateSize(), true);
    fc2 = Linear.load(m, "fc2", c.intermediateSize(), d, true);
    act = Activation.parse("vision_config", "hidden_act", c.hiddenAct());
    heads = c.numAttentionHeads();
    headDim = c.headDim();
  }

  Tensor forward(Tensor x) {
    Tensor h = layer_norm1.forward(x);
    x = x.add(out_proj.forward(EagerAttention.attend(split(q_proj.forward(h)), split(k_proj.forward(h)), split(v_proj.forward(h)),
        null, Math.pow(headDim, -0.5))));
    return x.add(fc2.forward(act.apply(fc1.forward(layer_norm2.forward(x)))));
  }

  private Tensor split(Tensor t) { return t.view(t.size(0), t.size(1), heads, headDim).transpose(1, 2); }
}
