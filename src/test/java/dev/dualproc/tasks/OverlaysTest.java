package dev.dualproc.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.Canvas;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverlaysTest {
  static int[] px(BufferedImage img) { return Canvas.pixels(img); }

  @Test void horizonIsAFullWidthRedLineAtValueTimesHeight() {
    for (int size : new int[] {64, 128}) {
      BufferedImage img = Overlays.render("horizon", Map.of("value", 0.3), size, size);
      assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
      int[] p = px(img);
      int thick = size / 64, first = -1, rows = 0;
      for (int y = 0; y < size; y++) {
        boolean red = p[y * size] == Overlays.RED;
        for (int x = 0; x < size; x++) assertThat(p[y * size + x]).as("%d px: row %d is one colour", size, y).isEqualTo(red ? Overlays.RED : Overlays.WHITE);
        if (red) { if (first < 0) first = y; rows++; }
      }
      assertThat(rows).isEqualTo(thick);
      assertThat(first + thick / 2.0).as("the line's middle").isCloseTo(0.3 * size, org.assertj.core.data.Offset.offset(0.5));
      assertThat(p[(first + thick - 1) * size]).isEqualTo(Overlays.RED);
    }
    // at the frame's edges the line stays inside the image
    assertThat(px(Overlays.render("horizon", Map.of("value", 1.0), 64, 64))[63 * 64]).isEqualTo(Overlays.RED);
    assertThat(px(Overlays.render("horizon", Map.of("value", 0), 64, 64))[0]).isEqualTo(Overlays.RED);
  }

  @Test void lineWeightIsARedLineNearTheBottomOfThatManyPixels() {
    for (int weight = 1; weight <= 6; weight++) {
      int[] p = px(Overlays.render("line-weight", Map.of("value", weight), 64, 64));
      int rows = 0, top = -1;
      for (int y = 0; y < 64; y++) {
        if (p[y * 64 + 32] == Overlays.RED) { rows++; if (top < 0) top = y; }
      }
      assertThat(rows).as("thickness at weight %d", weight).isEqualTo(weight);
      assertThat(top + weight / 2.0).isCloseTo(56, org.assertj.core.data.Offset.offset(1.0));
      assertThat(p[(top) * 64 + 16]).isEqualTo(Overlays.RED);
      assertThat(p[(top) * 64 + 47]).isEqualTo(Overlays.RED);
      assertThat(p[(top) * 64 + 5]).isEqualTo(Overlays.WHITE);
      for (int v : p) assertThat(v).isIn(Overlays.RED, Overlays.WHITE);
    }
  }

  @Test void paletteIsAStripOfSwatchesAlongTheBottom() {
    List<String> colours = List.of("#D72626", "#23B941", "#2855e1", "F8F8F8");
    int[] p = px(Overlays.render("palette", Map.of("colors", colours), 64, 64));
    int[] expected = {0xD72626, 0x23B941, 0x2855E1, 0xF8F8F8};
    for (int i = 0; i < 4; i++) {
      int x = i * 16 + 8;
      assertThat(p[63 * 64 + x]).isEqualTo(expected[i]);
      assertThat(p[56 * 64 + x]).isEqualTo(expected[i]);
      assertThat(p[55 * 64 + x]).isEqualTo(Overlays.WHITE);
    }
    for (int y = 0; y < 56; y++) for (int x = 0; x < 64; x++) assertThat(p[y * 64 + x]).isEqualTo(Overlays.WHITE);
    // pure white stays visible to a solid overlay's mask
    int[] q = px(Overlays.render("palette", Map.of("colors", List.of("#FFFFFF", "#000000")), 64, 64));
    assertThat(Overlays.isMark(q[63 * 64])).isTrue();
  }

  @Test void depthIsTwoRedDotsLabelledAAndB() {
    Map<String, Object> params = Map.of("a", List.of(0.25, 0.7), "b", List.of(0.9, 0.3), "closer", "A");
    int[] p = px(Overlays.render("depth", params, 64, 64));
    assertThat(p[(int) (0.7 * 64) * 64 + 16]).isEqualTo(Overlays.RED);
    assertThat(p[(int) (0.3 * 64) * 64 + (int) (0.9 * 64)]).isEqualTo(Overlays.RED);
    int labels = 0, red = 0;
    for (int v : p) { if (v == Overlays.LABEL) labels++; if (v == Overlays.RED) red++; }
    assertThat(red).isBetween(2 * 9, 2 * 25);
    // "A" has 18 cells in its bitmap, "B" 20
    assertThat(labels).isEqualTo(18 + 20);
    // B sits at the right edge: its label goes to the left of its dot, inside the image
    int leftOfB = 0;
    for (int y = 0; y < 64; y++) for (int x = 40; x < 57; x++) if (p[y * 64 + x] == Overlays.LABEL) leftOfB++;
    assertThat(leftOfB).isEqualTo(20);
    // deterministic: no fonts, no anti-aliasing
    assertThat(px(Overlays.render("depth", params, 64, 64))).isEqualTo(p);
  }

  @Test void badParamsNameTheFieldAndUnknownPresetsAreRefused() {
    assertThatThrownBy(() -> Overlays.render("horizon", Map.of(), 64, 64)).isInstanceOf(DualprocException.class).hasMessageContaining("horizon.value");
    assertThatThrownBy(() -> Overlays.render("horizon", Map.of("value", 1.5), 64, 64)).hasMessageContaining("horizon.value");
    assertThatThrownBy(() -> Overlays.render("palette", Map.of("colors", List.of("#12345", "#000000")), 64, 64)).hasMessageContaining("palette.colors[0]");
    assertThatThrownBy(() -> Overlays.render("depth", Map.of("a", List.of(0.1), "b", List.of(0.2, 0.2)), 64, 64)).hasMessageContaining("depth.a");
    assertThatThrownBy(() -> Overlays.render("free", Map.of(), 64, 64)).hasMessageContaining("no renderer for preset 'free'");
  }

  @Test void solidAndTransparentApplyAsTeachingDoes() {
    BufferedImage scene = new Canvas(64, 64, 0x336699).toImage();
    BufferedImage ov = Overlays.render("horizon", Map.of("value", 0.5), 64, 64);
    int[] solid = px(Overlays.solid(scene, ov)), half = px(Overlays.transparent(scene, ov));
    assertThat(solid[31 * 64]).isEqualTo(Overlays.RED);
    assertThat(solid[0]).isEqualTo(0x336699);
    assertThat(half[0]).isEqualTo(dev.dualproc.world.Rgb.lerp(0x336699, 0xFFFFFF, 0.5));
    assertThat(half[31 * 64]).isEqualTo(dev.dualproc.world.Rgb.lerp(0x336699, 0xFF0000, 0.5));
  }
}
