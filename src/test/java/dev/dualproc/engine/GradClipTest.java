package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class GradClipTest {
  static Tensor paramWithGrad(float[] grad, long... shape) {
    Tensor p = torch.zeros(shape).requires_grad_(true);
    p.mul(Tensors.fromFloats(grad, shape)).sum().backward(); // d/dp sum(p*g) = g
    return p;
  }

  @Test void clipsToMaxNormAndReturnsTheNormBefore() {
    Tensor a = paramWithGrad(new float[] {3, 0, 0, 0}, 2, 2), b = paramWithGrad(new float[] {0, 4}, 2);
    Tensor noGrad = torch.ones(3).requires_grad_(true);
    double norm = GradClip.clipNorm(List.of(a, noGrad, b), 1.0);
    assertThat(norm).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-6));
    double coef = 1.0 / (5.0 + 1e-6);
    assertThat(Tensors.floats(a.grad())[0]).isCloseTo((float) (3 * coef), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(Tensors.floats(b.grad())[1]).isCloseTo((float) (4 * coef), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(noGrad.grad().defined()).isFalse();
  }

  @Test void leavesSmallGradientsAlone() {
    Tensor a = paramWithGrad(new float[] {0.3f, -0.4f}, 2);
    assertThat(GradClip.clipNorm(List.of(a), 1.0)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(Tensors.floats(a.grad())).containsExactly(0.3f, -0.4f);
  }

  @Test void agreesWithLibtorchsClipGradNorm() {
    Tensor a1 = paramWithGrad(Tensors.floats(Rng.normal(1, 30)), 5, 6), b1 = paramWithGrad(Tensors.floats(Rng.normal(2, 7)), 7);
    Tensor a2 = paramWithGrad(Tensors.floats(Rng.normal(1, 30)), 5, 6), b2 = paramWithGrad(Tensors.floats(Rng.normal(2, 7)), 7);
    double ours = GradClip.clipNorm(List.of(a1, b1), 0.5);
    TensorVector v = new TensorVector();
    v.push_back(a2);
    v.push_back(b2);
    double theirs = torch.clip_grad_norm_(v, 0.5);
    double d = Math.max(Tensors.maxAbsDiff(a1.grad(), a2.grad()), Tensors.maxAbsDiff(b1.grad(), b2.grad()));
    System.out.println("GradClip vs torch::nn::utils::clip_grad_norm_: norm " + ours + " vs " + theirs + ", grads max abs diff " + d);
    assertThat(ours).isCloseTo(theirs, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(d).isLessThan(1e-7);
  }
}
