package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.SceneObject;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import java.util.stream.IntStream;
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
  void patchesNameTheObjectsThatDrewThemAndEveryVisibleObjectNamesOne() {
    int whole = 0, small = 0;
    for (VqaItem it : ITEMS) {
      PatchTargets t = PatchTargets.of(it, PATCH);
      float[][] depth = it.truth().depth();
      List<SceneObject> objects = it.truth().objects();
      for (SceneObject o : objects) {
        int drawn = 0, homeCount = -1, home = -1;
        boolean named = false;
        for (int i = 0; i < t.thing().length; i++) {
          int mine = 0;
          for (int y = (i / COLS) * PATCH; y < (i / COLS + 1) * PATCH; y++)
            for (int x = (i % COLS) * PATCH; x < (i % COLS + 1) * PATCH; x++) if (depth[y][x] == o.depth()) mine++;
          drawn += mine;
          if (mine > homeCount) { homeCount = mine; home = i; }
          boolean ofO = t.thing()[i] == PatchTargets.FIRST_KIND + o.kind().ordinal() && t.colour()[i] == 1 + o.colour().ordinal();
          named |= ofO && mine > 0;
          if (mine == PATCH * PATCH) { // a patch all of one object names it
            assertThat(ofO).as(it.question() + " patch " + i).isTrue();
            whole++;
          }
        }
        // every drawn object names a patch, unless an object that drew more there took its best patch
        if (drawn >= 8 && t.thing()[home] < PatchTargets.FIRST_KIND) assertThat(named).as("object %s of %s (%d px) names a patch", o, it.truth().seed(), drawn).isTrue();
        if (drawn >= 8 && drawn < PATCH * PATCH) small++;
      }
      for (int i = 0; i < t.thing().length; i++) { // a patch no object drew in names none
        boolean any = false;
        for (int y = (i / COLS) * PATCH; y < (i / COLS + 1) * PATCH; y++)
          for (int x = (i % COLS) * PATCH; x < (i % COLS + 1) * PATCH; x++)
            for (SceneObject o : objects) any |= depth[y][x] == o.depth();
        if (!any) assertThat(t.thing()[i]).as(it.question() + " patch " + i).isLessThan(PatchTargets.FIRST_KIND);
      }
    }
    assertThat(whole).isGreaterThan(100);
    assertThat(small).isGreaterThan(20);
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
  void imageTargetsSayWhatIsPresentAndWhatTheOverlayShows() {
    int depthYesWithBFirst = 0, depthNoWithAFirst = 0;
    for (VqaItem it : ITEMS) {
      PatchTargets t = PatchTargets.of(it, PATCH);
      assertThat(t.overlay()).isEqualTo(it.hasOverlay() ? PatchTargets.OVERLAYS.indexOf(it.task()) : -1);
      if ("depth".equals(it.overlayPreset())) { // the image's fact (A is nearer), whichever point the question names first
        boolean aFirst = "A".equals(it.overlayParams().get("closer"));
        assertThat(t.overlayTrue()).as(it.question()).isEqualTo(it.yes() == aFirst);
        if (it.yes() && !aFirst) depthYesWithBFirst++;
        if (!it.yes() && aFirst) depthNoWithAFirst++;
      } else {
        assertThat(t.overlayTrue()).isEqualTo(it.hasOverlay() && it.yes());
      }
      for (SceneObject o : it.truth().objects()) {
        long same = it.truth().objects().stream().filter(p -> p.kind() == o.kind() && p.colour() == o.colour()).count();
        float x = t.across()[PatchTargets.pair(o)];
        if (same == 1) assertThat(x).isEqualTo((float) (o.centreX() / it.truth().width()));
        else assertThat(x).isNaN();
      }
      assertThat(IntStream.range(0, PatchTargets.PAIRS).filter(p -> !Float.isNaN(t.across()[p])).count())
          .isLessThanOrEqualTo(it.truth().objects().size());
      int kinds = 0;
      for (int k = 0; k < PatchTargets.KINDS; k++) kinds += (int) t.present()[k];
      assertThat(kinds).isEqualTo((int) it.truth().objects().stream().map(SceneObject::kind).distinct().count());
      assertThat(t.timeOfDay()).isEqualTo(it.truth().timeOfDay() == null ? -100 : it.truth().timeOfDay().ordinal());
    }
    assertThat(depthYesWithBFirst).isPositive();
    assertThat(depthNoWithAFirst).isPositive();
  }

  @Test
  void strokeIsTheDrawingsWeightAndZeroForPhotos() {
    for (VqaItem it : ITEMS)
      assertThat(PatchTargets.of(it, PATCH).stroke()).isEqualTo(Math.min(PatchTargets.STROKES - 1, it.truth().strokeWeight()));
  }
}
