package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The reference's differentiable preprocessing and the processors' sizes with image splitting off. */
class ImageInputTest {
  static final double[] HALF = {0.5, 0.5, 0.5}, ZERO = {0, 0, 0}, ONE = {1, 1, 1};

  @Test void minMaxOfTheWholeImageMakesItInvariantToScaleAndOffset() {
    Tensor img = Rng.normal(1, 1, 3, 6, 5);
    Tensor a = ImageInput.pixelValues(img, HALF, HALF, 6, 5);
    Tensor b = ImageInput.pixelValues(Tensors.add(Tensors.mul(img, 2.5), 3), HALF, HALF, 6, 5);
    assertThat(Tensors.maxAbsDiff(a, b)).isLessThan(1e-6);
    // [0, 1] then (x - 0.5) / 0.5: the extremes land on -1 and 1
    assertThat(Tensors.item(a.min())).isEqualTo(-1.0);
    assertThat(Tensors.item(a.max())).isEqualTo(1.0);
  }

  @Test void bilinearResizeWithoutAlignCorners() {
    float[] v = new float[12];
    float[] ch0 = {0, 1, 2, 3};
    System.arraycopy(ch0, 0, v, 0, 4);
    for (int i = 4; i < 12; i++) v[i] = 1.5f; // other channels inside [0, 3]: min 0, max 3
    Tensor out = ImageInput.pixelValues(Tensors.fromFloats(v, 1, 3, 2, 2), ZERO, ONE, 4, 4);
    assertThat(Tensors.shape(out)).containsExactly(1, 3, 4, 4);
    // sample points (i + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    double[] expected = {0, .25, .75, 1, .5, .75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3};
    float[] got = Tensors.floats(out.narrow(1, 0, 1));
    for (int i = 0; i < 16; i++) assertThat((double) got[i]).as("pixel %d", i).isCloseTo(expected[i] / 3, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test void idefics2CapsTheLongestEdgeAndFloorsAtTheShortest() {
    ProcessorConfig p = new ProcessorConfig(HALF, HALF, 0, 0, 378, 980, 980, 64);
    assertThat(p.inputSize(VlmFamily.IDEFICS2, 512, 512)).containsExactly(512, 512); // the reference's 512 px images
    assertThat(p.inputSize(VlmFamily.IDEFICS2, 2000, 1000)).containsExactly(980, 490);
    assertThat(p.inputSize(VlmFamily.IDEFICS2, 1000, 3000)).containsExactly(378, 980); // 980/3 = 326 -> floored at 378
    assertThat(p.inputSize(VlmFamily.IDEFICS2, 100, 200)).containsExactly(378, 378);
  }

  @Test void idefics3SquaresToMaxImageSizeAndAnExplicitSizeWins() {
    ProcessorConfig p = new ProcessorConfig(HALF, HALF, 0, 0, 0, 2048, 512, 64);
    assertThat(p.inputSize(VlmFamily.IDEFICS3, 300, 700)).containsExactly(512, 512);
    ProcessorConfig explicit = new ProcessorConfig(HALF, HALF, 336, 336, 0, 0, 0, 576);
    assertThat(explicit.inputSize(VlmFamily.IDEFICS2, 512, 512)).containsExactly(336, 336);
  }
}
