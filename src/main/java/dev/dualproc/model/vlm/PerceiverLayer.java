package dev.dualproc.model.vlm;

import dev.dualproc.model.text.Activation;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

/**
 * One Idefics2 perceiver block: the latents attend to [context; latents] (keys and values from both, queries from
 * the latents only), then a gated MLP of width 4 * hidden.
 */
final class PerceiverLayer {
  final RmsNorm input_latents_norm, input_context_norm, post_attention_layernorm;
  final Linear q_proj, k_proj, v_proj, o_proj;
  final GatedMlp mlp;
  final int heads, kvHeads, headDim;

  PerceiverLayer(Weights w, PerceiverConfig c) {
    long d = c.hiddenSize();
    heads = c.resamplerNHeads(); kvHeads = c.numKeyValueHeads(); headDim = c.resamplerHeadDim();
    input_latents_norm = RmsNorm.load(w, "input_latents_norm", d, c.rmsNormEps());
    input_context_norm = RmsNorm.load(w, "input_context_norm", d, c.rmsNormEps());
    post_attention_layernorm = RmsNorm.load(w, "post_attention_layernorm", d, c.rmsNormEps());
    Weights a = w.scope("self_attn");
    q_proj = Linear.load(a, "q_proj", d, (long) heads * headDim, false);
    k_proj = Linear.load(a, "k_proj", d, (long) kvHeads * headDim, false);
    v_proj = Linear.load(a, "v_proj", d, (long) kvHeads * headDim, false);
    o_proj = Linear.load(a, "o_proj", (long) heads * headDim, d, false);
    mlp = new GatedMlp(w.scope("mlp"), d, 4 * d, d, Activation.parse("perceiver_config", "hidden_act", c.hiddenAct()), false);
  }

  Tensor forward(Tensor latents, Tensor context) {
    Tensor l = input_latents_norm.forward(latents);
    Tensor ctx = input_context_norm.forward(context);
    TensorVector both = new TensorVector(ctx, l);
    Tensor kv = cat(both, -2);
    Tensor q = split(q_proj.forward(l), heads), k = split(k_proj.forward(kv), kvHeads), v = split(v_proj.forward(kv), kvHeads);
    Tensor h = latents.add(o_proj.forward(EagerAttention.attend(q, k, v, null, Math.pow(headDim, -0.5))));
    return h.add(mlp.forward(post_attention_layernorm.forward(h)));
  }

  private Tensor split(Tensor t, int n) { return t.view(t.size(0), t.size(1), n, headDim).transpose(1, 2); }
}
