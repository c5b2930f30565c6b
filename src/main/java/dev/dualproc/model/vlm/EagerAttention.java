package dev.dualproc.model.vlm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.softmax;

/**
 * transformers' eager attention: q k^T * scale (+ additive mask), softmax in float32, times v. Works in any dtype,
 * float64 included (the finite-difference tests need it).
 */
final class EagerAttention {
  private EagerAttention() {}

  /** q [B, H, Lq, D], k and v [B, Hkv, Lk, D] with H a multiple of Hkv; mask [Lq, Lk] additive or null. Returns [B, Lq, H*D]. */
  static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
    long heads = q.size(1), kvHeads = k.size(1);
    if (heads != kvHeads) { k = repeatKv(k, heads / kvHeads); v = repeatKv(v, heads / kvHeads); }
    Tensor scores = q.matmul(k.transpose(2, 3)).mul(new Scalar(scale));
    if (mask != null) scores = scores.add(mask);
    ScalarType dt = q.scalar_type().intern();
    Tensor probs = softmax(scores, -1, new ScalarTypeOptional(Precision.upcast(dt))).to(dt);
    Tensor out = probs.matmul(v); // [B, H, Lq, D]
    return out.transpose(1, 2).contiguous().reshape(q.size(0), q.size(2), heads * q.size(3));
  }

  /** [B, Hkv, L, D] -> [B, Hkv*n, L, D], each kv head repeated n times in a row (grouped-query attention). */
  static Tensor repeatKv(Tensor x, long n) {
    long b = x.size(0), h = x.size(1), l = x.size(2), d = x.size(3);
    return x.unsqueeze(2).expand(b, h, n, l, d).reshape(b, h * n, l, d);
  }
}
