package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Shapes clip to the canvas: painters (and the breakers that pile objects anywhere) may draw past its edges. */
class CanvasTest {
  @Test void rectanglesPastAnEdgePaintNothingAndDoNotThrow() {
    Canvas c = new Canvas(8, 4, 0);
    c.fillRect(9.2, 1, 12, 6, 7); // wholly right of the canvas, down to its last row
    c.fillRect(-5, 0, -1, 4, 7);  // wholly left
    c.fillRect(2, -3, 4, -1, 7);  // wholly above
    assertThat(c.px).containsOnly(0);
  }

  @Test void rectanglesAcrossAnEdgeAreClipped() {
    Canvas c = new Canvas(8, 4, 0);
    c.fillRect(6, 2, 11, 9, 7);
    int painted = 0;
    for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) if (c.get(x, y) == 7) { painted++; assertThat(x).isGreaterThanOrEqualTo(6); assertThat(y).isGreaterThanOrEqualTo(2); }
    assertThat(painted).isEqualTo(4);
  }

  @Test void objectsPaintedAtTheCornersStayInside() {
    Canvas c = new Canvas(16, 16, 0);
    for (Kind k : Kind.values())
      for (double x : new double[] {-6, 0, 15.9, 22}) for (double base : new double[] {-3, 0.5, 15.9, 25}) ObjectPainter.paint(c, k, 5, x, base, 4, 0.25);
    assertThat(c.px).hasSize(256);
  }
}
