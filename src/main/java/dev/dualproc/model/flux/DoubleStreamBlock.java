package dev.dualproc.model.flux;

import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

/** BFL DoubleStreamBlock: image and text streams with their own weights, one joint attention over [txt; img]. */
final class DoubleStreamBlock {
  final int numHeads;
  final Modulation img_mod, txt_mod;
  final SelfAttention img_attn, txt_attn;
  final Linear img_mlp_0, img_mlp_2; // keys img_mlp.0 / img_mlp.2 (Linear, GELU-tanh, Linear)
  final Linear txt_mlp_0, txt_mlp_2;

  DoubleStreamBlock(Weights w, FluxParams p, Map<String, Linear> all) {
    numHeads = p.numHeads();
    long h = p.hiddenSize(), mlp = p.mlpHidden();
    img_mod = new Modulation(w.scope("img_mod"), h, true, all);
    img_attn = new SelfAttention(w.scope("img_attn"), p, all);
    img_mlp_0 = Ops.linear(w.scope("img_mlp"), "0", h, mlp, true, all);
    img_mlp_2 = Ops.linear(w.scope("img_mlp"), "2", mlp, h, true, all);
    txt_mod = new Modulation(w.scope("txt_mod"), h, true, all);
    txt_attn = new SelfAttention(w.scope("txt_attn"), p, all);
    txt_mlp_0 = Ops.linear(w.scope("txt_mlp"), "0", h, mlp, true, all);
    txt_mlp_2 = Ops.linear(w.scope("txt_mlp"), "2", mlp, h, true, all);
  }

  /** Returns {img, txt}. */
  Tensor[] forward(Tensor img, Tensor txt, Tensor vec, Tensor pe) {
    Modulation.Out[] im = img_mod.forward(vec), tm = txt_mod.forward(vec);
    Tensor[] iq = qkv(img_attn, Ops.modulate(Ops.layerNorm(img), im[0].shift(), im[0].scale()));
    Tensor[] tq = qkv(txt_attn, Ops.modulate(Ops.layerNorm(txt), tm[0].shift(), tm[0].scale()));
    Tensor q = cat(new TensorVector(tq[0], iq[0]), 2), k = cat(new TensorVector(tq[1], iq[1]), 2),
        v = cat(new TensorVector(tq[2], iq[2]), 2);
    Tensor attn = EmbedND.attention(q, k, v, pe);
    long nTxt = txt.size(1);
    Tensor txtAttn = attn.narrow(1, 0, nTxt), imgAttn = attn.narrow(1, nTxt, attn.size(1) - nTxt);

    img = img.add(im[0].gate().mul(img_attn.proj.forward(imgAttn)));
    img = img.add(im[1].gate().mul(mlp(img_mlp_0, img_mlp_2, Ops.modulate(Ops.layerNorm(img), im[1].shift(), im[1].scale()))));
    txt = txt.add(tm[0].gate().mul(txt_attn.proj.forward(txtAttn)));
    txt = txt.add(tm[1].gate().mul(mlp(txt_mlp_0, txt_mlp_2, Ops.modulate(Ops.layerNorm(txt), tm[1].shift(), tm[1].scale()))));
    return new Tensor[] {img, txt};
  }

  private Tensor[] qkv(SelfAttention a, Tensor x) {
    Tensor[] qkv = Ops.splitQkv(a.qkv.forward(x), numHeads);
    Tensor[] qk = a.norm.forward(qkv[0], qkv[1], qkv[2]);
    return new Tensor[] {qk[0], qk[1], qkv[2]};
  }

  private static Tensor mlp(Linear l0, Linear l2, Tensor x) { return l2.forward(Ops.geluTanh(l0.forward(x))); }
}
