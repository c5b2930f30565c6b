package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** BFL RMSNorm: x * rsqrt(mean(x^2) + 1e-6) in float32, back to x's dtype, times the learned {@code scale}. */
final class RMSNorm {
  static final Scalar EPS = new Scalar(1e-6).retainReference(); // retained: see Ops.ONE
  final Tensor scale;

  RMSNorm(Weights w, long dim) { scale = w.get("scale", dim); }

  Tensor forward(Tensor x) {
    Tensor xf = x.to(ScalarType.Float);
    Tensor rrms = xf.square().mean(new long[] {-1}, true, new ScalarTypeOptional()).add(EPS).rsqrt();
    return xf.mul(rrms).to(x.scalar_type()).mul(scale);
  }
}
