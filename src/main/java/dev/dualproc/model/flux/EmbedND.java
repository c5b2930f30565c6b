package dev.dualproc.model.flux;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * BFL EmbedND: RoPE rotations for n-axis position ids (FLUX: (0, row, col)), one block of frequencies per axis,
 * as 2x2 matrices [[cos, -sin], [sin, cos]] acting on adjacent pairs (x[2i], x[2i+1]).
 */
public final class EmbedND {
  final int theta;
  final int[] axesDim;

  EmbedND(int theta, int[] axesDim) { this.theta = theta; this.axesDim = axesDim.clone(); }

  /** ids [B, L, n_axes] -> pe [B, 1, L, head_dim/2, 2, 2], float32. */
  public Tensor forward(Tensor ids) {
    TensorVector perAxis = new TensorVector();
    for (int i = 0; i < axesDim.length; i++) perAxis.push_back(rope(ids.select(-1, i), axesDim[i], theta));
    return cat(perAxis, -3).unsqueeze(1);
  }

  /** pos [B, L] -> [B, L, dim/2, 2, 2]; angles in float64 as the reference does, the result float32. */
  static Tensor rope(Tensor pos, int dim, int theta) {
    Tensor scale = arange(new Scalar(0), new Scalar(dim), new Scalar(2), new TensorOptions(ScalarType.Double))
        .div(new Scalar((double) dim)).to(pos.device(), ScalarType.Double);
    Tensor omega = pow(new Scalar((double) theta), scale).reciprocal();
    Tensor out = pos.to(ScalarType.Double).unsqueeze(-1).mul(omega); // [B, L, dim/2]
    Tensor c = cos(out), s = sin(out);
    Tensor m = cat(new TensorVector(c.unsqueeze(-1), s.neg().unsqueeze(-1), s.unsqueeze(-1), c.unsqueeze(-1)), -1);
    long[] shape = {pos.size(0), pos.size(1), dim / 2, 2, 2};
    return m.reshape(shape).to(ScalarType.Float);
  }

  /** Rotates the adjacent pairs of q or k ([B, H, L, D]) by pe, in float32; the result has x's dtype. */
  static Tensor applyRope(Tensor x, Tensor pe) {
    long[] s = {x.size(0), x.size(1), x.size(2), x.size(3) / 2, 1, 2};
    Tensor x2 = x.to(ScalarType.Float).reshape(s);
    Tensor out = pe.select(-1, 0).mul(x2.select(-1, 0)).add(pe.select(-1, 1).mul(x2.select(-1, 1)));
    return out.reshape(x.size(0), x.size(1), x.size(2), x.size(3)).to(x.scalar_type());
  }

  /** BFL math.attention: RoPE on q and k, SDPA, heads merged: (B, H, L, D) -> (B, L, H*D). */
  static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor pe) {
    Tensor x = Ops.sdpa(applyRope(q, pe), applyRope(k, pe), v);
    return x.permute(0, 2, 1, 3).reshape(x.size(0), x.size(2), x.size(1) * x.size(3));
  }
}
