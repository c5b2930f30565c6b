package dev.dualproc.model.vlm;

import dev.dualproc.model.text.Activation;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/** Llama/Mistral block: x + o_proj(attn(RoPE(q), RoPE(k), v)) over input_layernorm(x), then x + mlp(post_attention_layernorm(x)). */
final class LlamaDecoderLayer {
  final RmsNorm input_layernorm, post_attention_layernorm;
  final Linear q_proj, k_proj, v_proj, o_proj;
  final GatedMlp mlp;
  final int index, heads, kvHeads, headDim;

  LlamaDecoderLayer(Weights w, TextConfig c, int index) {
    this.index = index;
    long d = c.hiddenSize();
    heads = c.numAttentionHeads(); kvHeads = c.numKeyValueHeads(); headDim = c.headDim();
    input_layernorm = RmsNorm.load(w, "input_layernorm", d, c.rmsNormEps());
    post_attention_layernorm = RmsNorm.load(w, "post_attention_layernorm", d, c.rmsNormEps());
    Weights a = w.scope("self_attn");
    q_proj = Linear.load(a, "q_proj", d, (long) heads * headDim, c.attentionBias());
    k_proj = Linear.load(a, "k_proj", d, (long) kvHeads * headDim, c.attentionBias());
    v_proj = Linear.load(a, "v_proj", d, (long) kvHeads * headDim, c.attentionBias());
    o_proj = Linear.load(a, "o_proj", (long) heads * headDim, d, c.attentionBias());
    mlp = new GatedMlp(w.scope("mlp"), d, c.intermediateSize(), d, Activation.parse("text_config", "hidden_act", c.hiddenAct()), c.mlpBias());
  }

  /** x [B, L, D]; cos/sin [L, headDim]; mask [L, past+L] additive or null; cache may be null. */
  Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache cache) {
    Tensor h = input_layernorm.forward(x);
    Tensor q = RotaryEmbedding.apply(split(q_proj.forward(h), heads), cos, sin);
    Tensor k = RotaryEmbedding.apply(split(k_proj.forward(h), kvHeads), cos, sin);
    Tensor v = split(v_proj.forward(h), kvHeads);
    if (cache != null) { Tensor[] kv = cache.append(index, k, v); k = kv[0]; v = kv[1]; }
    x = x.add(o_proj.forward(EagerAttention.attend(q, k, v, mask, Math.pow(headDim, -0.5))));
    return x.add(mlp.forward(post_attention_layernorm.forward(x)));
  }

  private Tensor split(Tensor t, int n) { return t.view(t.size(0), t.size(1), n, headDim).transpose(1, 2); }
}
