package dev.dualproc.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Images;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each preset's overlay, pixel for pixel, against a reviewed golden PNG in src/test/resources/golden/overlays.
 * After an intended change to a renderer, regenerate with -Ddualproc.updateGoldens=true and look at the new PNGs.
 */
class OverlayGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/overlays");

  static final Map<String, Map<String, Object>> PARAMS = Map.of(
      "palette", Map.of("colors", List.of("#D72626", "#23B941", "#2855E1", "#F2C12E")),
      "line-weight", Map.of("value", 3),
      "horizon", Map.of("value", 0.3),
      "depth", Map.of("a", List.of(0.25, 0.7), "b", List.of(0.75, 0.45), "closer", "A"));

  @ParameterizedTest @ValueSource(strings = {"palette", "line-weight", "horizon", "depth"})
  void overlayMatchesItsGoldenImage(String preset) throws Exception {
    BufferedImage img = Overlays.render(preset, PARAMS.get(preset), 64, 64);
    Path golden = GOLDEN.resolve(preset + ".png");
    if (Boolean.getBoolean("dualproc.updateGoldens")) Images.writePng(golden, img, Map.of("preset", preset));
    assertThat(golden).as("golden image (regenerate with -Ddualproc.updateGoldens=true)").exists();
    BufferedImage expected = Images.read(golden);
    assertThat(img.getWidth()).isEqualTo(expected.getWidth());
    assertThat(img.getHeight()).isEqualTo(expected.getHeight());
    int differing = 0;
    for (int y = 0; y < img.getHeight(); y++)
      for (int x = 0; x < img.getWidth(); x++)
        if ((img.getRGB(x, y) & 0xFFFFFF) != (expected.getRGB(x, y) & 0xFFFFFF)) differing++;
    assertThat(differing).as("%s: pixels differing from %s", preset, golden).isZero();
    assertThat(Files.size(golden)).isLessThan(4096);
  }
}
