package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
  static final float[] C = {0.5f, -2f, 3f, 0.01f, -0.7f, 1.3f};
  static final float[] P0 = {1f, -1f, 0.25f, 2f, -3f, 0.5f};

  /** loss = sum(c * p^2) / 2 + sum(p), so grad = c * p + 1 (depends on p: a real trajectory). */
  static void backward(Tensor p) {
    Tensor c = Tensors.fromFloats(C, 2, 3);
    p.mul(p).mul(c).sum().mul(Tensors.scalar(0.5)).add(p.sum()).backward();
  }

  @Test void matchesTheClosedFormUpdateForSeveralSteps() {
    double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    Tensor p = Tensors.fromFloats(P0, 2, 3).requires_grad_(true);
    AdamW opt = new AdamW(List.of(p), AdamW.Options.lr(lr).withWeightDecay(wd));
    double[] ref = new double[6], m = new double[6], v = new double[6];
    for (int i = 0; i < 6; i++) ref[i] = P0[i];
    double worst = 0;
    for (int t = 1; t <= 5; t++) {
      opt.zeroGrad();
      backward(p);
      opt.step();
      for (int i = 0; i < 6; i++) {
        double g = C[i] * ref[i] + 1;
        ref[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double mHat = m[i] / (1 - Math.pow(b1, t)), vHat = v[i] / (1 - Math.pow(b2, t));
        ref[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
      }
      float[] got = Tensors.floats(p);
      for (int i = 0; i < 6; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    }
    System.out.println("AdamW vs closed form, 5 steps: max abs diff " + worst);
    assertThat(worst).isLessThan(1e-6);
    assertThat(opt.state().get(0).step).isEqualTo(5);
    // the first step moves every coordinate by about lr (Adam's normalised step)
    assertThat(Math.abs(ref[0] - P0[0])).isGreaterThan(0.1);
  }

  @Test void equalsLibtorchsAdamWBitForBit() {
    Tensor ours = Tensors.fromFloats(P0, 2, 3).requires_grad_(true);
    Tensor theirs = Tensors.fromFloats(P0, 2, 3).requires_grad_(true);
    AdamW a = new AdamW(List.of(ours), AdamW.Options.lr(0.01).withWeightDecay(0.02));
    TensorVector ps = new TensorVector();
    ps.push_back(theirs);
    AdamWOptions o = new AdamWOptions(0.01);
    o.weight_decay().put(0.02);
    org.bytedeco.pytorch.AdamW b = new org.bytedeco.pytorch.AdamW(ps, o);
    for (int t = 0; t < 4; t++) {
      a.zeroGrad();
      backward(ours);
      a.step();
      b.zero_grad();
      backward(theirs);
      b.step();
    }
    assertThat(Tensors.bytes(ours)).isEqualTo(Tensors.bytes(theirs));
  }

  @Test void savedStateResumesExactly(@TempDir Path dir) {
    Tensor p = Tensors.fromFloats(P0, 2, 3).requires_grad_(true);
    Tensor skipped = Tensors.fromFloats(new float[] {1, 2}, 2).requires_grad_(true); // never gets a gradient
    AdamW opt = new AdamW(List.of(p, skipped), AdamW.Options.lr(0.03));
    for (int t = 0; t < 3; t++) { opt.zeroGrad(); backward(p); opt.step(); }
    assertThat(opt.state().get(1).step).as("no grad, no step").isZero();

    Path f = dir.resolve("optimizer.safetensors");
    SafeTensorsWriter.write(f, opt.stateTensors(), Map.of("step", "3"));
    Tensor pCopy = p.detach().clone().requires_grad_(true);
    AdamW resumed = new AdamW(List.of(pCopy, skipped.detach().clone().requires_grad_(true)), AdamW.Options.lr(0.03));
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) { resumed.loadState(st); }
    for (int t = 0; t < 3; t++) {
      opt.zeroGrad(); backward(p); opt.step();
      resumed.zeroGrad(); backward(pCopy); resumed.step();
    }
    assertThat(resumed.state().get(0).step).isEqualTo(6);
    assertThat(Tensors.bytes(pCopy)).isEqualTo(Tensors.bytes(p));
  }

  @Test void stateOfAnotherModelIsRejected() {
    AdamW small = new AdamW(List.of(Tensors.fromFloats(new float[4], 4).requires_grad_(true)), AdamW.Options.lr(0.1));
    AdamW other = new AdamW(List.of(Tensors.fromFloats(new float[6], 2, 3).requires_grad_(true)), AdamW.Options.lr(0.1));
    assertThatThrownBy(() -> other.loadState(small.stateTensors())).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll("0.exp_avg", "shape [4]", "[2, 3]");
    AdamW two = new AdamW(List.of(Tensors.fromFloats(new float[4], 4).requires_grad_(true),
        Tensors.fromFloats(new float[4], 4).requires_grad_(true)), AdamW.Options.lr(0.1));
    assertThatThrownBy(() -> two.loadState(small.stateTensors())).isInstanceOf(DualprocException.class).hasMessageContaining("'1.step'");
    assertThatThrownBy(() -> small.loadState(two.stateTensors())).isInstanceOf(DualprocException.class).hasMessageContaining("more parameters");
  }
}
