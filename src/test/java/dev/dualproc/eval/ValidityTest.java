package dev.dualproc.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.Canvas;
import dev.dualproc.world.SceneRenderer;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The anti-reward-hacking check: rendered scenes are valid, everything that is not a scene is not (seeds 40,000+). */
class ValidityTest {
  static final long FIRST = 40_000;
  static final int N = 80;

  @Test void renderedScenesAreValidAtSeveralSizes() {
    for (int size : new int[] {64, 96, 128}) {
      for (long seed = FIRST; seed < FIRST + (size == 64 ? N : 20); seed++) {
        Validity v = SceneAnalysis.of(SceneRenderer.render(seed, size, size).image()).validity;
        assertThat(v.valid()).as("seed %d at %d px: %s", seed, size, v).isTrue();
        assertThat(v.reason()).isEqualTo("ok");
      }
    }
  }

  @Test void everyScrambleFamilyIsInvalid() {
    for (Scrambles.Family f : Scrambles.Family.values()) {
      int valid = 0;
      for (long seed = FIRST; seed < FIRST + N; seed++) {
        BufferedImage bad = Scrambles.apply(f, SceneRenderer.render(seed).image(), new SplittableRandom(seed));
        if (SceneAnalysis.of(bad).validity.valid()) valid++;
      }
      // painted bands that thicken a drawing's own horizon line are allowed to pass, rarely
      assertThat(valid).as("%s judged valid", f).isLessThanOrEqualTo(f == Scrambles.Family.PAINTED_BANDS ? 2 : 0);
    }
  }

  @Test void aRedBandAtTheTargetRowIsInvalid() {
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed);
      Canvas c = Canvas.of(r.image());
      // the hack the prototype's critic taught: a red band painted across the sky, away from the true horizon
      int y = (int) Math.max(2, r.truth().horizonRow() - 10);
      c.fillRect(0, y, 64, y + 2, 0xFF0000);
      Validity v = SceneAnalysis.of(c.toImage()).validity;
      assertThat(v.valid()).as("seed %d: %s", seed, v).isFalse();
    }
  }

  @Test void flatTwoToneAndHalfImagesAreInvalid() {
    assertThat(SceneAnalysis.of(new Canvas(64, 64, 0x808080).toImage()).validity.valid()).isFalse();
    assertThat(SceneAnalysis.of(new Canvas(64, 64, 0xFFFFFF).toImage()).validity.valid()).isFalse();
    assertThat(SceneAnalysis.of(new Canvas(64, 64, 0x000000).toImage()).validity.valid()).isFalse();
    // horizontal stripes of two alternating colours: the "light bands" the prototype's generator painted
    Canvas stripes = new Canvas(64, 64, 0x5591E1);
    for (int y = 0; y < 64; y += 6) stripes.fillRect(0, y, 64, y + 3, 0xE8D4A0);
    assertThat(SceneAnalysis.of(stripes.toImage()).validity.valid()).isFalse();
    // vertical halves: no horizon at all
    Canvas halves = new Canvas(64, 64, 0x5591E1);
    halves.fillRect(32, 0, 64, 64, 0x6E963C);
    assertThat(SceneAnalysis.of(halves.toImage()).validity.valid()).isFalse();
  }
}
