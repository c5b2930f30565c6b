package dev.dualproc.model.vlm;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.rsqrt;

/** LlamaRMSNorm: normalise in (at least) float32, cast back to the input dtype, then scale by the weight. */
record RmsNorm(Tensor weight, double eps) {
  static RmsNorm load(Weights w, String name, long dim, double eps) {
    return new RmsNorm(w.scope(name).get("weight", dim), eps);
  }

  Tensor forward(Tensor x) {
    ScalarType in = x.scalar_type().intern();
    Tensor h = x.to(Precision.upcast(in));
    Tensor variance = h.pow(new Scalar(2.0)).mean(new long[] {-1}, true, new ScalarTypeOptional());
    h = h.mul(rsqrt(variance.add(new Scalar(eps))));
    return weight.mul(h.to(in));
  }
}
