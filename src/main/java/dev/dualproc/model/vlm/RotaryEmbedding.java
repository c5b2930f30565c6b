package dev.dualproc.model.vlm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Llama RoPE in the rotate-half layout. inv_freq is built in float32 with the same tensor ops as transformers'
 * rope init functions (default, linear, llama3), so the tables match to the last bit in float32.
 */
final class RotaryEmbedding {
  final Tensor invFreq; // [headDim / 2], float32, CPU

  RotaryEmbedding(TextConfig c) {
    int dim = c.headDim();
    Tensor exponent = arange(new Scalar(0L), new Scalar((long) dim), new Scalar(2L), new TensorOptions(ScalarType.Long))
        .to(ScalarType.Float).div(new Scalar((double) dim));
    Tensor inv = pow(new Scalar(c.ropeTheta()), exponent).reciprocal();
    TextConfig.RopeScaling r = c.ropeScaling();
    invFreq = switch (r.type()) {
      case "linear" -> inv.div(new Scalar(r.factor()));
      case "llama3" -> llama3(inv, r);
      default -> inv;
    };
  }

  /** Llama 3.1: long wavelengths divided by factor, short ones kept, a smooth blend between. */
  private static Tensor llama3(Tensor inv, TextConfig.RopeScaling r) {
    double old = r.originalMaxPositionEmbeddings();
    double lowWavelen = old / r.lowFreqFactor(), highWavelen = old / r.highFreqFactor();
    Tensor wavelen = inv.reciprocal().mul(new Scalar(2 * Math.PI)); // python's scalar / tensor is reciprocal() * scalar
    Tensor scaled = where(wavelen.gt(new Scalar(lowWavelen)), inv.div(new Scalar(r.factor())), inv);
    Tensor smooth = wavelen.reciprocal().mul(new Scalar(old)).sub(new Scalar(r.lowFreqFactor()))
        .div(new Scalar(r.highFreqFactor() - r.lowFreqFactor()));
    Tensor smoothed = smooth.neg().add(new Scalar(1.0)).mul(scaled).div(new Scalar(r.factor())).add(smooth.mul(scaled));
    Tensor medium = wavelen.lt(new Scalar(highWavelen)).logical_not().logical_and(wavelen.gt(new Scalar(lowWavelen)).logical_not());
    return where(medium, smoothed, scaled);
  }

  /** cos and sin [L, headDim] for positions start..start+L-1, in the model dtype (computed in float32 or float64). */
  Tensor[] cosSin(long start, long length, ScalarType dtype, org.bytedeco.pytorch.Device device) {
    ScalarType calc = Precision.upcast(dtype);
    Tensor pos = arange(new Scalar(start), new Scalar(start + length), new TensorOptions(ScalarType.Long)).to(ScalarType.Float).to(calc);
    Tensor freqs = pos.unsqueeze(1).matmul(invFreq.to(calc).unsqueeze(0)); // [L, dim/2]
    Tensor emb = cat(new TensorVector(freqs, freqs), -1);
    return new Tensor[] {emb.cos().to(device, dtype), emb.sin().to(device, dtype)};
  }

  /** x [B, H, L, D] rotated by cos/sin [L, D]. */
  static Tensor apply(Tensor x, Tensor cos, Tensor sin) {
    long half = x.size(3) / 2;
    Tensor rotated = cat(new TensorVector(x.narrow(3, half, half).neg(), x.narrow(3, 0, half)), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }
}
