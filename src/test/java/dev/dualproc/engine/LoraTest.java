package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LoraTest {
  static Linear layer(long in, long out) { return new Linear(Rng.normal(10, out, in), Rng.normal(11, out)); }

  /** Gives B non-zero values (B starts at 0 so that dW starts at 0). */
  static void perturb(Lora l, long seed) {
    try (NoGradGuard g = new NoGradGuard()) { l.B.copy_(Rng.normal(seed, l.B.size(0), l.B.size(1))); }
  }

  @Test void deltaIsAlphaOverRankTimesWeightTimesBA() {
    Linear lin = layer(5, 4);
    Lora l = lin.addLora("to_q", 2, 8.0, Rng.generator(1));
    assertThat(Tensors.floats(l.B)).containsOnly(0f);
    assertThat(Tensors.maxAbsDiff(l.deltaWeight(), org.bytedeco.pytorch.global.torch.zeros(4, 5))).isZero();
    perturb(l, 2);
    l.setWeight(0.75);
    // closed form in doubles: dW[o][i] = (alpha/r) * weight * sum_k B[o][k] A[k][i]
    float[] a = Tensors.floats(l.A), b = Tensors.floats(l.B), dw = Tensors.floats(l.deltaWeight());
    double maxDiff = 0;
    for (int o = 0; o < 4; o++)
      for (int i = 0; i < 5; i++) {
        double s = 0;
        for (int k = 0; k < 2; k++) s += (double) b[o * 2 + k] * a[k * 5 + i];
        maxDiff = Math.max(maxDiff, Math.abs(dw[o * 5 + i] - (8.0 / 2) * 0.75 * s));
      }
    System.out.println("LoRA dW vs closed form: max abs diff " + maxDiff);
    assertThat(maxDiff).isLessThan(1e-5);
    assertThat(l.scale()).isEqualTo(3.0);
    // forward adds x dW^T
    Tensor x = Rng.normal(3, 3, 5);
    Tensor base = new Linear(lin.weight, lin.bias).forward(x);
    assertThat(Tensors.maxAbsDiff(lin.forward(x).sub(base), x.matmul(l.deltaWeight().t()))).isLessThan(1e-5);
  }

  @Test void disabledOrZeroWeightEqualsTheBaseLayerExactly() {
    Linear lin = layer(6, 5);
    Tensor x = Rng.normal(4, 2, 3, 6);
    Tensor base = lin.forward(x);
    Lora l = lin.addLora("proj", 3, 3.0, Rng.generator(5));
    perturb(l, 6);
    assertThat(Tensors.maxAbsDiff(lin.forward(x), base)).isGreaterThan(1e-3);
    l.setEnabled(false);
    assertThat(Tensors.bytes(lin.forward(x))).isEqualTo(Tensors.bytes(base));
    l.setEnabled(true);
    l.setWeight(0);
    assertThat(Tensors.maxAbsDiff(lin.forward(x), base)).isZero();
  }

  @Test void mergeThenUnmergeRestoresTheWeights() {
    Linear lin = layer(16, 12);
    Tensor original = lin.weight.clone();
    Lora q = lin.addLora("to_q", 0, 4, 4, 4.0, Rng.generator(7));
    Lora v = lin.addLora("to_v", 8, 12, 4, 16.0, Rng.generator(8));
    perturb(q, 9);
    perturb(v, 10);
    Tensor x = Rng.normal(11, 3, 16);
    Tensor unmerged = lin.forward(x);
    lin.merge();
    assertThat(lin.merged()).isTrue();
    assertThat(Tensors.maxAbsDiff(lin.weight, original)).isGreaterThan(1e-3);
    double fwd = Tensors.maxAbsDiff(lin.forward(x), unmerged);
    lin.unmerge();
    double restored = Tensors.maxAbsDiff(lin.weight, original);
    System.out.println("merge: forward max abs diff " + fwd + "; unmerge: weight max abs diff " + restored);
    assertThat(fwd).isLessThan(1e-4);
    assertThat(restored).isLessThan(1e-6);
    assertThat(Tensors.maxAbsDiff(lin.forward(x), unmerged)).isLessThan(1e-6);
  }

  @Test void unmergeSubtractsWhatWasMergedEvenAfterTogglingOrRescaling() {
    Linear lin = layer(8, 6);
    Tensor original = lin.weight.clone();
    Lora l = lin.addLora("proj", 2, 2.0, Rng.generator(12));
    perturb(l, 13);
    lin.merge();
    l.setEnabled(false); // used to leave the delta in the weight
    l.setWeight(5.0);
    lin.unmerge();
    assertThat(Tensors.maxAbsDiff(lin.weight, original)).isLessThan(1e-6);
  }

  @Test void rowBlockAdaptersChangeOnlyTheirRows() {
    Linear lin = layer(5, 9); // like a fused qkv: rows 0-2 q, 3-5 k, 6-8 v
    Tensor x = Rng.normal(14, 4, 5);
    Tensor base = lin.forward(x);
    Lora q = lin.addLora("to_q", 0, 3, 2, 2.0, Rng.generator(15));
    Lora v = lin.addLora("to_v", 6, 9, 2, 2.0, Rng.generator(16));
    perturb(q, 17);
    perturb(v, 18);
    Tensor y = lin.forward(x), d = y.sub(base);
    assertThat(Tensors.maxAbsDiff(d.narrow(1, 0, 3), x.matmul(q.deltaWeight().t()))).isLessThan(1e-5);
    assertThat(Tensors.bytes(y.narrow(1, 3, 3).contiguous())).as("k rows untouched").isEqualTo(Tensors.bytes(base.narrow(1, 3, 3).contiguous()));
    assertThat(Tensors.maxAbsDiff(d.narrow(1, 6, 3), x.matmul(v.deltaWeight().t()))).isLessThan(1e-5);
    assertThat(lin.adapters()).extracting(a -> a.name).containsExactly("to_q", "to_v");
    assertThatThrownBy(() -> lin.addLora("bad", 2, 4, 2, 2.0, Rng.generator(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlaps to_q");
  }

  @Test void gradientsReachOnlyTheAdapter() {
    Linear lin = layer(5, 4);
    Lora l = lin.addLora("proj", 2, 2.0, Rng.generator(19));
    perturb(l, 20);
    lin.forward(Rng.normal(21, 3, 5)).pow(Tensors.scalar(2)).sum().backward();
    assertThat(l.A.grad().defined()).isTrue();
    assertThat(Tensors.item(l.B.grad().abs().sum())).isGreaterThan(0);
    assertThat(lin.weight.grad().defined()).isFalse();
  }
}
