package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.SceneObject;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class PatchTargetsTest {
  static final int PATCH = 8, COLS = 8;
  static final List<VqaItem> ITEMS = VqaGenerator.items(77, 0, 360, 64);

  @Test
  void theHorizonRowIsMarkedInEveryColumnAtItsOffset() {
    for (VqaItem it : ITEMS) {
      PatchTargets t = PatchTargets.of(it, PATCH);
      int row = (int) Math.floor(it.truth().horizonRow());
      for (int r = 0; r < COLS; r++)
        for (int c = 0; c < COLS; c++)
          assertThat(t.horizon()[r * COLS + c]).isEqualTo(row / PATCH == r ? 1 + row % PATCH : 0);
    }
  }

  @Test
  void aPatchWhoseCentreOnlyOneObjectCoversNamesItsKindAndColour() {
    int checked = 0;
    for (VqaItem it : ITEMS) {
      PatchTargets t = PatchTargets.of(it, PATCH);
      for (int i = 0; i < t.thing().length; i++) {
        double x = (i % COLS) * PATCH + 4, y = (i / COLS) * PATCH + 4;
        List<SceneObject> covering = it.truth().objects().stream().filter(o -> x >= o.x0() && x < o.x1() && y >= o.y0() && y < o.y1()).toList();
        if (covering.size() != 1) continue;
        assertThat(t.thing()[i]).isEqualTo(PatchTargets.FIRST_KIND + covering.get(0).kind().ordinal());
        assertThat(t.colour()[i]).isEqualTo(1 + covering.get(0).colour().ordinal());
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(200);
  }

  @Test
  void overlayMarksFollowTheItem() {
    int hacked = 0;
    for (VqaItem it : ITEMS) {
      long[] mark = PatchTargets.of(it, PATCH).mark();
      long lines = java.util.Arrays.stream(mark).filter(m -> m == PatchTargets.LINE).count();
      long bands = java.util.Arrays.stream(mark).filter(m -> m == PatchTargets.BAND).count();
      if ("horizon".equals(it.overlayPreset())) {
        assertThat(it.hacked() ? bands : lines).as(it.question()).isEqualTo(COLS);
        if (it.hacked()) hacked++;
      } else {
        assertThat(lines + bands).isZero();
      }
      if ("depth".equals(it.overlayPreset())) {
        assertThat(mark).contains(PatchTargets.POINT_A);
        assertThat(mark).contains(PatchTargets.POINT_B);
      }
      if (!it.hasOverlay()) assertThat(mark).containsOnly(PatchTargets.NO_MARK);
    }
    assertThat(hacked).isPositive();
  }

  @Test
  void strokeIsTheDrawingsWeightAndZeroForPhotos() {
    for (VqaItem it : ITEMS)
      assertThat(PatchTargets.of(it, PATCH).stroke()).isEqualTo(Math.min(PatchTargets.STROKES - 1, it.truth().strokeWeight()));
  }
}
