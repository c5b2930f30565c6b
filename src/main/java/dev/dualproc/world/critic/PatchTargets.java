package dev.dualproc.world.critic;

import dev.dualproc.world.Celestial;
import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneTruth;
import dev.dualproc.world.VqaItem;
import java.util.List;

/**
 * What each vision patch of a VQA image shows, from the renderer's truth, for the critic's patch probe: the thing at the
 * patch centre (sky, ground, sun or moon, or an object's kind), that object's colour, where in the patch the horizon
 * runs, and which overlay mark the patch holds; and per image the stroke weight. Objects are judged by their boxes
 * (the nearest object whose box holds the centre), coarse but free of any detector.
 *
 * @param thing per patch: {@link #SKY}, {@link #GROUND}, {@link #LIGHT} or {@link #FIRST_KIND} + kind ordinal
 * @param colour per patch: 0 none, else 1 + colour ordinal of the object there
 * @param horizon per patch: 0 when the horizon is not in the patch's rows, else 1 + its row offset inside the patch
 * @param mark per patch: {@link #NO_MARK}, or the overlay mark it holds (horizon line, painted band, line-weight bar,
 *     palette strip, point A, point B)
 * @param stroke the stroke weight in pixels, clamped to {@link #STROKES} - 1 (0 for photos)
 */
public record PatchTargets(long[] thing, long[] colour, long[] horizon, long[] mark, long stroke) {
  public static final int SKY = 0, GROUND = 1, LIGHT = 2, FIRST_KIND = 3;
  public static final int THINGS = FIRST_KIND + Kind.values().length, COLOURS = 1 + NamedColour.values().length;
  public static final int NO_MARK = 0, LINE = 1, BAND = 2, BAR = 3, STRIP = 4, POINT_A = 5, POINT_B = 6, MARKS = 7;
  public static final int STROKES = 8;

  /** Horizon classes for a patch of {@code patch} rows: none, or one of its rows. */
  public static int horizonClasses(int patch) { return patch + 1; }

  /** The targets of {@code item.image()} seen in square patches of {@code patch} pixels. */
  public static PatchTargets of(VqaItem item, int patch) {
    SceneTruth t = item.truth();
    int cols = t.width() / patch, rows = t.height() / patch, n = rows * cols;
    long[] thing = new long[n], colour = new long[n], horizon = new long[n], mark = new long[n];
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        double x = c * patch + patch / 2.0, y = r * patch + patch / 2.0;
        SceneObject o = objectAt(t.objects(), x, y);
        if (o != null) {
          thing[i] = FIRST_KIND + o.kind().ordinal();
          colour[i] = 1 + o.colour().ordinal();
        } else if (inside(t.celestial(), x, y)) thing[i] = LIGHT;
        else thing[i] = y < t.horizonRow() ? SKY : GROUND;
        double offset = t.horizonRow() - r * patch;
        if (offset >= 0 && offset < patch) horizon[i] = 1 + (long) Math.floor(offset);
        mark[i] = mark(item, t, r, c, patch);
      }
    return new PatchTargets(thing, colour, horizon, mark, Math.min(STROKES - 1, t.strokeWeight()));
  }

  private static SceneObject objectAt(List<SceneObject> objects, double x, double y) {
    SceneObject best = null;
    for (SceneObject o : objects)
      if (x >= o.x0() && x < o.x1() && y >= o.y0() && y < o.y1() && (best == null || o.baseRow() > best.baseRow())) best = o;
    return best;
  }

  private static boolean inside(Celestial s, double x, double y) {
    return s != null && Math.hypot(x - s.centreX(), y - s.centreY()) <= s.radius();
  }

  /** The overlay mark in patch (r, c), as tasks.Overlays draws it (docs/world.md, Overlays). */
  private static int mark(VqaItem item, SceneTruth t, int r, int c, int patch) {
    if (!item.hasOverlay()) return NO_MARK;
    int top = r * patch, left = c * patch, w = t.width(), h = t.height();
    var p = item.overlayParams();
    return switch (item.overlayPreset()) {
      case "horizon" -> rowIn(((Number) p.get("value")).doubleValue() * h, top, patch) ? (item.hacked() ? BAND : LINE) : NO_MARK;
      case "line-weight" -> rowIn(h * 7.0 / 8, top, patch) && left + patch > w / 4 && left < 3 * w / 4 ? BAR : NO_MARK;
      case "palette" -> top + patch > h * 7 / 8 ? STRIP : NO_MARK;
      case "depth" -> pointIn(p.get("a"), w, h, top, left, patch) ? POINT_A : pointIn(p.get("b"), w, h, top, left, patch) ? POINT_B : NO_MARK;
      default -> NO_MARK;
    };
  }

  private static boolean rowIn(double y, int top, int patch) { return y >= top && y < top + patch; }

  private static boolean pointIn(Object point, int w, int h, int top, int left, int patch) {
    List<?> xy = (List<?>) point;
    double x = ((Number) xy.get(0)).doubleValue() * w, y = ((Number) xy.get(1)).doubleValue() * h;
    return x >= left && x < left + patch && y >= top && y < top + patch;
  }
}
