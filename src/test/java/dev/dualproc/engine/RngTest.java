package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RngTest {
  @Test void normalEqualsPyTorchsSeededNoiseBitForBit() {
    try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.flux("tiny-schnell-sample.safetensors"))) {
      long seed = Tensors.longs(f.load("noise_seed"))[0];
      Tensor expected = f.load("noise");
      Tensor noise = Rng.normal(seed, Tensors.shape(expected));
      System.out.println("Rng.normal(" + seed + ") vs fixture noise: max abs diff " + Tensors.maxAbsDiff(noise, expected));
      assertThat(Tensors.bytes(noise)).isEqualTo(Tensors.bytes(expected));
    }
  }

  @Test void sameSeedSameNoiseOtherSeedOtherNoise() {
    assertThat(Tensors.bytes(Rng.normal(7, 3, 5))).isEqualTo(Tensors.bytes(Rng.normal(7, 3, 5)));
    assertThat(Tensors.bytes(Rng.normal(7, 3, 5))).isNotEqualTo(Tensors.bytes(Rng.normal(8, 3, 5)));
  }

  @Test void savedStateContinuesTheSameStream(@TempDir Path dir) {
    Generator g = Rng.generator(1234);
    Rng.normal(g, 37); // odd count: a cached normal may be pending
    Tensor state = Rng.state(g);
    Tensor next = Rng.normal(g, 4, 9);
    Tensor nextUniform = Rng.uniform(g, 5);

    Path f = dir.resolve("rng.safetensors");
    SafeTensorsWriter.write(f, Map.of("rng", state), null);
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(st.dtype("rng")).isEqualTo(DType.U8);
      Generator resumed = Rng.restore(st.load("rng"));
      assertThat(Tensors.bytes(Rng.normal(resumed, 4, 9))).isEqualTo(Tensors.bytes(next));
      assertThat(Tensors.bytes(Rng.uniform(resumed, 5))).isEqualTo(Tensors.bytes(nextUniform));
    }
  }

  @Test void restoreRejectsSomethingThatIsNotAState() {
    assertThatThrownBy(() -> Rng.restore(Rng.normal(1, 10))).isInstanceOf(DualprocException.class).hasMessageContaining("U8");
    assertThatThrownBy(() -> Rng.restore(Tensors.fromBytes(new byte[10], org.bytedeco.pytorch.global.torch.ScalarType.Byte, 10)))
        .isInstanceOf(DualprocException.class).hasMessageContaining("RNG state");
  }
}
