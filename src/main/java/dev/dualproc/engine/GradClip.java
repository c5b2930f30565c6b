package dev.dualproc.engine;

import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.stack;

/** Gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_} (L2, error_if_nonfinite=False). */
public final class GradClip {
  private GradClip() {}

  /**
   * Scales the gradients of {@code params} in place so that their joint L2 norm is at most {@code maxNorm}, and returns
   * the norm before clipping. Parameters without a gradient are skipped. The factor is maxNorm / (norm + 1e-6),
   * applied only when it is below 1, as in PyTorch. A non-finite norm is returned as is (the caller decides to skip
   * the step); the gradients are then multiplied by NaN, again as PyTorch does.
   */
  public static double clipNorm(List<Tensor> params, double maxNorm) {
    if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be positive, got " + maxNorm);
    try (NoGradGuard g = new NoGradGuard()) {
      TensorVector norms = new TensorVector();
      for (Tensor p : params) {
        Tensor grad = p.grad();
        if (grad.defined()) norms.push_back(grad.detach().to(ScalarType.Float).norm());
      }
      if (norms.size() == 0) return 0.0;
      Tensor total = stack(norms).norm();
      double norm = Tensors.item(total);
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1.0 || Double.isNaN(coef)) {
        for (Tensor p : params) {
          Tensor grad = p.grad();
          if (grad.defined()) grad.mul_(Tensors.scalar(coef));
        }
      }
      return norm;
    }
  }
}
