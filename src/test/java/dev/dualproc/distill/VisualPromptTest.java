package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The visual-prompt blend as the reference's create_visual_prompt: values, masks, and where the gradient flows. */
class VisualPromptTest {
  static final int W = 12, H = 10;

  /** White, with a red block at rows 2..3, columns 4..7, and one grey pixel (not white: a mark in solid mode). */
  static BufferedImage marks() {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) img.setRGB(x, y, 0xFFFFFF);
    for (int y = 2; y < 4; y++) for (int x = 4; x < 8; x++) img.setRGB(x, y, 0xFF0000);
    img.setRGB(0, 9, 0xFEFFFF);
    return img;
  }

  static boolean isMark(int x, int y) { return (y >= 2 && y < 4 && x >= 4 && x < 8) || (x == 0 && y == 9); }

  static Tensor image() { return Rng.normal(7, 1, 3, H, W).tanh().detach().requires_grad_(true); }

  static float at(float[] v, int c, int y, int x) { return v[c * H * W + y * W + x]; }

  @Test void transparentIsAHalfHalfBlendEverywhereAndPassesHalfTheGradient() {
    VisualPrompt vp = VisualPrompt.of(marks(), VisualPrompt.Mode.TRANSPARENT, W, H);
    Tensor img = image();
    Tensor out = vp.apply(img);
    float[] o = Tensors.floats(out), g = Tensors.floats(img), ov = Tensors.floats(dev.dualproc.engine.Images.toTensor(marks()));
    for (int c = 0; c < 3; c++) for (int y = 0; y < H; y++) for (int x = 0; x < W; x++)
      assertThat(at(o, c, y, x)).isEqualTo(0.5f * at(ov, c, y, x) + 0.5f * at(g, c, y, x), org.assertj.core.data.Offset.offset(1e-6f));
    out.sum().backward();
    assertThat(Tensors.floats(img.grad())).containsOnly(0.5f);
  }

  @Test void solidReplacesNonWhitePixelsAndTheGradientSkipsThem() {
    VisualPrompt vp = VisualPrompt.of(marks(), VisualPrompt.Mode.SOLID, W, H);
    Tensor img = image();
    Tensor out = vp.apply(img);
    float[] o = Tensors.floats(out), g = Tensors.floats(img), ov = Tensors.floats(dev.dualproc.engine.Images.toTensor(marks()));
    out.mul(Rng.normal(8, 1, 3, H, W)).sum().backward();
    float[] grad = Tensors.floats(img.grad()), w = Tensors.floats(Rng.normal(8, 1, 3, H, W));
    for (int c = 0; c < 3; c++) for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) {
      boolean mark = isMark(x, y);
      assertThat(at(o, c, y, x)).as("pixel %d,%d channel %d", x, y, c).isEqualTo(mark ? at(ov, c, y, x) : at(g, c, y, x));
      assertThat(at(grad, c, y, x)).as("grad at %d,%d", x, y).isEqualTo(mark ? 0f : at(w, c, y, x));
    }
  }

  @Test void anRgbaOverlayIsCompositedOnWhiteAndResizedBilinearly() {
    BufferedImage rgba = new BufferedImage(W / 2, H / 2, BufferedImage.TYPE_INT_ARGB); // all transparent...
    rgba.setRGB(1, 1, new Color(0, 0, 255, 255).getRGB());                             // ...but one blue pixel
    VisualPrompt vp = VisualPrompt.of(rgba, VisualPrompt.Mode.SOLID, W, H);
    assertThat(Tensors.shape(vp.mask())).containsExactly(1, 3, H, W);
    float[] m = Tensors.floats(vp.mask());
    assertThat(at(m, 0, 0, W - 1)).as("transparent corner is white background").isZero();
    assertThat(at(m, 0, 2, 2)).as("the blue pixel, upsampled").isEqualTo(1f);
    float[] ov = Tensors.floats(vp.overlay());
    assertThat(at(ov, 2, 2, 2)).isGreaterThan(at(ov, 0, 2, 2)); // blue over red at the mark
  }

  @Test void aPresetOverlayIsRenderedAtTheGeneratedSize() {
    TaskSpec.Question q = new TaskSpec.Question("Q", "Yes", new TaskSpec.Overlay(null, "horizon", Map.of("value", 0.5)), "transparent");
    VisualPrompt vp = VisualPrompt.of(q, Path.of("."), 32, 24);
    assertThat(Tensors.shape(vp.overlay())).containsExactly(1, 3, 24, 32);
    assertThat(vp.mode).isEqualTo(VisualPrompt.Mode.TRANSPARENT);
    assertThat(VisualPrompt.of(new TaskSpec.Question("Q", "Yes", null, null), Path.of("."), 32, 24)).isNull();
  }
}
