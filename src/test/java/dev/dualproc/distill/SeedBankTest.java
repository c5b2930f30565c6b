package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The training noises: one stream from train_seed, noise o % n at step o, the same whatever order steps ask in. */
class SeedBankTest {
  static final long[] SHAPE = {1, 16, 4};

  @Test void stepOUsesTheStreamsNoiseOModN() {
    SeedBank bank = new SeedBank(100, 3, Rng.normal(0, SHAPE));
    var g = Rng.generator(100);
    Tensor n0 = Rng.normal(g, SHAPE), n1 = Rng.normal(g, SHAPE), n2 = Rng.normal(g, SHAPE);
    assertThat(Tensors.bytes(bank.noise(0))).isEqualTo(Tensors.bytes(n0));
    assertThat(Tensors.bytes(bank.noise(1))).isEqualTo(Tensors.bytes(n1));
    assertThat(Tensors.bytes(bank.noise(2))).isEqualTo(Tensors.bytes(n2));
    assertThat(Tensors.bytes(bank.noise(4))).isEqualTo(Tensors.bytes(n1));
    assertThat(Tensors.bytes(bank.noise(0))).isNotEqualTo(Tensors.bytes(n1));
  }

  @Test void aResumedBankAskingForALateStepFirstGivesTheSameNoise() {
    SeedBank fresh = new SeedBank(100, 10, Rng.normal(0, SHAPE)), resumed = new SeedBank(100, 10, Rng.normal(0, SHAPE));
    byte[] late = Tensors.bytes(resumed.noise(7));
    for (int o = 0; o < 7; o++) fresh.noise(o);
    assertThat(Tensors.bytes(fresh.noise(7))).isEqualTo(late);
  }

  @Test void theNoiseTakesTheGeneratorsDtype() {
    SeedBank bank = new SeedBank(100, 2, Rng.normal(0, SHAPE).to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16));
    assertThat(Tensors.isDtype(bank.noise(0), org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)).isTrue();
  }
}
