package dev.dualproc.model.flux;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/** BFL layers.timestep_embedding: t in [0, 1] scaled by 1000, sinusoids with periods up to 10000, [cos, sin]. */
final class TimestepEmbedding {
  private TimestepEmbedding() {}

  static final double TIME_FACTOR = 1000.0;
  static final double MAX_PERIOD = 10_000.0;

  /** t: [B] -> [B, dim], in t's floating dtype. */
  static Tensor of(Tensor t, int dim) {
    Tensor scaled = t.mul(new Scalar(TIME_FACTOR));
    int half = dim / 2;
    Tensor freqs = exp(arange(new Scalar(0), new Scalar(half), new TensorOptions(ScalarType.Float))
        .mul(new Scalar(-Math.log(MAX_PERIOD))).div(new Scalar((double) half)))
        .to(t.device(), ScalarType.Float);
    Tensor args = scaled.unsqueeze(1).to(ScalarType.Float).mul(freqs.unsqueeze(0));
    TensorVector parts = new TensorVector(cos(args), sin(args));
    Tensor emb = cat(parts, -1);
    if (dim % 2 == 1) emb = cat(new TensorVector(emb, emb.narrow(1, 0, 1).mul(new Scalar(0.0))), -1);
    return emb.to(t.scalar_type());
  }
}
