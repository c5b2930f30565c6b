package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SceneRendererTest {
  /** Test seeds: their own range, apart from the verifiers' development and held-out ranges. */
  static final long FIRST = 20_000;

  @Test void sameSeedGivesIdenticalPixelsAndTruth() {
    for (long seed = FIRST; seed < FIRST + 20; seed++) {
      for (int size : new int[] {64, 96}) {
        SceneRenderer.Rendered a = SceneRenderer.render(seed, size, size), b = SceneRenderer.render(seed, size, size);
        assertThat(Canvas.pixels(a.image())).as("seed %d at %d px", seed, size).isEqualTo(Canvas.pixels(b.image()));
        assertThat(TruthJson.write(a.truth())).isEqualTo(TruthJson.write(b.truth()));
      }
    }
    assertThat(Canvas.pixels(SceneRenderer.render(FIRST).image())).isNotEqualTo(Canvas.pixels(SceneRenderer.render(FIRST + 1).image()));
  }

  @Test void rendersAnySizeFrom64AndRejectsTinyOnes() {
    SceneRenderer.Rendered r = SceneRenderer.render(FIRST, 160, 96);
    assertThat(r.image().getWidth()).isEqualTo(160);
    assertThat(r.image().getHeight()).isEqualTo(96);
    assertThat(r.truth().depth()).hasNumberOfRows(96);
    assertThat(r.truth().depth()[0]).hasSize(160);
    assertThatThrownBy(() -> SceneRenderer.render(1, 16, 16)).hasMessageContaining("at least 32x32");
  }

  /** Over 300 seeds the world shows everything the issue lists. */
  @Test void coversTimesKindsColoursStylesPalettesAndHorizons() {
    Set<TimeOfDay> times = EnumSet.noneOf(TimeOfDay.class);
    Set<Kind> kinds = EnumSet.noneOf(Kind.class);
    Set<NamedColour> colours = EnumSet.noneOf(NamedColour.class);
    Set<String> celestial = new HashSet<>();
    int drawings = 0, palettes = 0, occluded = 0;
    double minH = 1, maxH = 0;
    Set<Integer> strokes = new HashSet<>();
    for (long seed = FIRST; seed < FIRST + 300; seed++) {
      SceneTruth t = SceneRenderer.render(seed).truth();
      if (t.timeOfDay() != null) times.add(t.timeOfDay());
      t.objects().forEach(o -> { kinds.add(o.kind()); colours.add(o.colour()); });
      if (t.celestial() != null) celestial.add(t.celestial().kind());
      if (t.drawing()) { drawings++; strokes.add(t.strokeWeight()); }
      if (t.hasPalette()) palettes++;
      minH = Math.min(minH, t.horizonFraction());
      maxH = Math.max(maxH, t.horizonFraction());
      List<SceneObject> os = t.objects();
      for (int i = 0; i < os.size(); i++)
        for (int j = i + 1; j < os.size(); j++)
          if (overlaps(os.get(i), os.get(j))) occluded++;
    }
    assertThat(times).containsExactlyInAnyOrder(TimeOfDay.values());
    assertThat(kinds).hasSizeGreaterThanOrEqualTo(5).containsExactlyInAnyOrder(Kind.values());
    assertThat(colours).hasSizeGreaterThanOrEqualTo(7).containsAll(NamedColour.OBJECT);
    assertThat(celestial).containsExactlyInAnyOrder("sun", "moon");
    assertThat(drawings).isBetween(50, 130);
    assertThat(palettes).isBetween(40, 110);
    assertThat(strokes).containsExactlyInAnyOrder(1, 2, 3, 4);
    assertThat(minH).isLessThan(0.25);
    assertThat(maxH).isGreaterThan(0.75);
    assertThat(occluded).as("pairs of objects whose boxes overlap (occlusion)").isGreaterThan(0);
  }

  private static boolean overlaps(SceneObject a, SceneObject b) {
    return Math.min(a.x1(), b.x1()) > Math.max(a.x0(), b.x0()) && Math.min(a.y1(), b.y1()) > Math.max(a.y0(), b.y0());
  }

  @Test void truthMatchesThePixels() {
    for (long seed = FIRST; seed < FIRST + 150; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed);
      SceneTruth t = r.truth();
      int[] px = Canvas.pixels(r.image());
      int w = t.width(), h = t.height();
      // every object's box holds pixels of its colour; nearer (lower) objects are larger
      for (SceneObject o : t.objects()) {
        int n = 0;
        for (int y = o.y0(); y < o.y1(); y++) for (int x = o.x0(); x < o.x1(); x++) if (px[y * w + x] == o.colour().rgb) n++;
        assertThat(n).as("seed %d: %s pixels of %s", seed, o.colour(), o).isGreaterThan(3);
        assertThat(o.baseRow()).as("seed %d: objects stand below the horizon", seed).isGreaterThan(t.horizonRow());
        assertThat(o.depth()).isEqualTo(SceneTruth.groundDepth(o.baseRow(), t.horizonRow(), h));
      }
      for (int i = 0; i + 1 < t.objects().size(); i++) {
        SceneObject far = t.objects().get(i), near = t.objects().get(i + 1); // sorted by base row
        assertThat(near.size()).as("seed %d: nearer objects are larger", seed).isGreaterThanOrEqualTo(far.size());
        assertThat(near.depth()).isLessThanOrEqualTo(far.depth());
      }
      // depth: sky rows far, ground rows nearer towards the bottom, objects painted with their base's depth
      float[][] d = t.depth();
      int col = backgroundColumn(t);
      if (col >= 0) {
        for (int y = 0; y < t.firstGroundRow(); y++) assertThat(d[y][col]).isEqualTo(SceneTruth.SKY_DEPTH);
        for (int y = t.firstGroundRow() + 1; y < h; y++) assertThat(d[y][col]).as("seed %d row %d", seed, y).isLessThan(d[y - 1][col]);
      }
      // photos have no stroke; drawings have a dark line of exactly the stroke weight at the horizon
      if (!t.drawing()) assertThat(t.strokeWeight()).isZero();
      else if (col >= 0) {
        int dark = 0;
        for (int y = 0; y < h; y++) if (px[y * w + col] == Parts.OUTLINE) dark++;
        assertThat(dark).as("seed %d: horizon line at column %d", seed, col).isEqualTo(t.strokeWeight());
      }
      // palette scenes use only palette colours, apart from outlines and the fixed object parts
      if (t.hasPalette()) {
        Set<Integer> allowed = new HashSet<>(List.of(Parts.OUTLINE, Parts.WOOD, Parts.SKIN, Parts.LEGS, Parts.TYRE));
        t.palette().forEach(c -> allowed.add(c.rgb));
        for (int p : px) assertThat(allowed).as("seed %d palette %s", seed, t.palette()).contains(p);
        assertThat(t.timeOfDay()).isNull();
      }
    }
  }

  /** A column that no object, sun or moon (with outlines) touches, or -1. */
  static int backgroundColumn(SceneTruth t) {
    for (int x = 0; x < t.width(); x++) {
      final int cx = x;
      boolean free = t.objects().stream().noneMatch(o -> cx >= o.x0() - t.strokeWeight() - 1 && cx < o.x1() + t.strokeWeight() + 1);
      Celestial c = t.celestial();
      if (c != null && Math.abs(cx + 0.5 - c.centreX()) <= c.radius() + t.strokeWeight() + 1) free = false;
      if (free) return x;
    }
    return -1;
  }
}
