package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
  /** Values on the 8-bit grid p/127.5 - 1, so the round trip is exact. */
  static Tensor gridImage(int h, int w) {
    float[] v = new float[3 * h * w];
    for (int i = 0; i < v.length; i++) v[i] = ((i * 37 + 11) % 256) / 127.5f - 1f;
    return Tensors.fromFloats(v, 1, 3, h, w);
  }

  @Test void tensorToImageAndBackIsExactOnThe8BitGrid() {
    Tensor t = gridImage(5, 7);
    BufferedImage img = Images.toImage(t);
    assertThat(img.getWidth()).isEqualTo(7);
    assertThat(img.getHeight()).isEqualTo(5);
    // channel order and layout: pixel (row 1, col 2) red = channel 0 at [1, 2]
    int idx = 1 * 7 + 2;
    assertThat((img.getRGB(2, 1) >> 16) & 0xff).isEqualTo((idx * 37 + 11) % 256);
    assertThat(img.getRGB(2, 1) & 0xff).isEqualTo(((2 * 35 + idx) * 37 + 11) % 256);
    assertThat(Tensors.maxAbsDiff(Images.toTensor(img), t)).isLessThan(1e-6);
  }

  @Test void outOfRangeValuesAreClampedAndNaNIsBlack() {
    Tensor t = Tensors.fromFloats(new float[] {-3f, 2f, Float.NaN, 0f, 0f, 0f}, 3, 1, 2); // [3, H=1, W=2]
    BufferedImage img = Images.toImage(t);
    assertThat((img.getRGB(0, 0) >> 16) & 0xff).isEqualTo(0);
    assertThat((img.getRGB(1, 0) >> 16) & 0xff).isEqualTo(255);
    assertThat((img.getRGB(0, 0) >> 8) & 0xff).isEqualTo(0);
    assertThat((img.getRGB(1, 0) >> 8) & 0xff).isEqualTo(128); // 0 -> 127.5 rounds to 128
    assertThatThrownBy(() -> Images.toImage(Rng.normal(1, 1, 4, 2, 2))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test void pngKeepsPixelsAndTextMetadata(@TempDir Path dir) {
    Tensor t = gridImage(6, 4);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("seed", "1234");
    meta.put("prompt", "a red cube on grass, horizon low");
    meta.put("task", "caf\u00e9 \u2014 \u6c34\u5e73\u7ebf"); // beyond Latin-1: stored as iTXt
    Path f = dir.resolve("samples/step-0010.png");
    Images.writePng(f, t, meta);
    assertThat(Images.readPngText(f)).containsExactlyInAnyOrderEntriesOf(meta);
    assertThat(Tensors.maxAbsDiff(Images.readTensor(f), t)).isLessThan(1e-6);
  }

  @Test void writesAreAtomicAndReplaceTheOldFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("a.png");
    Images.writePng(f, gridImage(2, 2), Map.of("v", "1"));
    Images.writePng(f, gridImage(3, 3), Map.of("v", "2"));
    assertThat(Images.readPngText(f)).containsEntry("v", "2");
    assertThat(Images.read(f).getWidth()).isEqualTo(3);
    try (Stream<Path> s = Files.list(dir)) { assertThat(s.map(p -> p.getFileName().toString())).containsExactly("a.png"); }
    assertThatThrownBy(() -> Images.writePng(f, gridImage(2, 2), Map.of("", "x"))).isInstanceOf(IllegalArgumentException.class);
    assertThat(Images.readPngText(f)).containsEntry("v", "2"); // a failed write leaves the old file
  }

  @Test void unreadableFilesAreUserErrors(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("x.png"), "not a png");
    assertThatThrownBy(() -> Images.read(f)).isInstanceOf(DualprocException.class).hasMessageContaining(f.toString());
    assertThatThrownBy(() -> Images.readPngText(f)).isInstanceOf(DualprocException.class).hasMessageContaining(f.toString());
  }
}
