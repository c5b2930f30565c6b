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
 * runs, and which overlay mark the patch holds; and per image the stroke weight. A patch shows the object that owns
 * most of its pixels in the renderer's depth map, among those that cover a quarter of the patch or have more of their
 * pixels there than in any other patch (so a small far object still names one); else what is at its centre.
 *
 * @param thing per patch: {@link #SKY}, {@link #GROUND}, {@link #LIGHT} or {@link #FIRST_KIND} + kind ordinal
 * @param colour per patch: 0 none, else 1 + colour ordinal of the object there
 * @param horizon per patch: 0 when the horizon is not in the patch's rows, else 1 + its row offset inside the patch
 * @param mark per patch: {@link #NO_MARK}, or the overlay mark it holds (horizon line, painted band, line-weight bar,
 *     palette strip, point A, point B)
 * @param stroke the stroke weight in pixels, clamped to {@link #STROKES} - 1 (0 for photos)
 * @param present per image, multi-hot: each kind present, then each (kind, colour) present ({@link #PRESENT} entries)
 * @param timeOfDay per image: the time of day's ordinal, or -100 (ignored) in palette scenes
 * @param overlay per image: the index in {@link #OVERLAYS} of the item's overlay, or -1 without one
 * @param overlayTrue what the item's overlay shows holds in the scene, a fact of the image alone: the palette, line
 *     weight or horizon line matches (the overlay question's answer), or point A is the nearer of the depth points (the
 *     depth question's answer depends on which point it names first, which the image does not show)
 * @param across per image, for each (kind, colour) that exactly one object has: its centre column as a fraction of
 *     the width, else NaN ({@link #PAIRS} entries, kind-major): what a left-right question compares
 */
public record PatchTargets(long[] thing, long[] colour, long[] horizon, long[] mark, long stroke, float[] present,
                           long timeOfDay, int overlay, boolean overlayTrue, float[] across) {
  public static final List<String> OVERLAYS = List.of("palette", "line-weight", "horizon", "depth");
  public static final int KINDS = Kind.values().length, PAIRS = KINDS * NamedColour.values().length, PRESENT = KINDS + PAIRS;
  public static final int TIMES = dev.dualproc.world.TimeOfDay.values().length;
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
    long[][] tc = thingsAndColours(t, patch);
    long[] thing = tc[0], colour = tc[1], horizon = new long[n], mark = new long[n];
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        double offset = t.horizonRow() - r * patch;
        if (offset >= 0 && offset < patch) horizon[i] = 1 + (long) Math.floor(offset);
        mark[i] = mark(item, t, r, c, patch);
      }
    float[] present = new float[PRESENT], across = new float[PAIRS];
    int[] owned = new int[PAIRS];
    for (SceneObject o : t.objects()) {
      int pair = pair(o);
      present[o.kind().ordinal()] = 1;
      present[KINDS + pair] = 1;
      owned[pair]++;
      across[pair] = (float) (o.centreX() / t.width());
    }
    for (int p = 0; p < PAIRS; p++) if (owned[p] != 1) across[p] = Float.NaN;
    return new PatchTargets(thing, colour, horizon, mark, Math.min(STROKES - 1, t.strokeWeight()), present,
        t.timeOfDay() == null ? -100 : t.timeOfDay().ordinal(), item.hasOverlay() ? OVERLAYS.indexOf(item.overlayPreset()) : -1,
        item.hasOverlay() && overlayTrue(item), across);
  }

  /** An object's (kind, colour) index, kind-major, as in {@link #present} after the kinds and in {@link #across}. */
  static int pair(SceneObject o) { return o.kind().ordinal() * NamedColour.values().length + o.colour().ordinal(); }

  /** See {@link #overlayTrue}; a depth item's truth is read from the renderer's depth at the two points. */
  private static boolean overlayTrue(VqaItem item) {
    if (!"depth".equals(item.overlayPreset())) return item.yes();
    List<?> a = (List<?>) item.overlayParams().get("a"), b = (List<?>) item.overlayParams().get("b");
    SceneTruth t = item.truth();
    return t.depthAt(((Number) a.get(0)).doubleValue(), ((Number) a.get(1)).doubleValue())
        < t.depthAt(((Number) b.get(0)).doubleValue(), ((Number) b.get(1)).doubleValue());
  }

  /**
   * What each square cell of {@code cell} pixels shows (row-major): {@link #SKY}, {@link #GROUND}, {@link #LIGHT} or
   * {@link #FIRST_KIND} + kind, by the ownership rule of the class comment; and the object's colour (0 none, else
   * 1 + ordinal). The generator's scene-map head reads these at its latent cells.
   */
  public static long[][] thingsAndColours(SceneTruth t, int cell) {
    int cols = t.width() / cell, rows = t.height() / cell;
    long[] thing = new long[rows * cols], colour = new long[rows * cols];
    SceneObject[] owners = owners(t, cell);
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        double x = c * cell + cell / 2.0, y = r * cell + cell / 2.0;
        SceneObject o = owners[i];
        if (o != null) {
          thing[i] = FIRST_KIND + o.kind().ordinal();
          colour[i] = 1 + o.colour().ordinal();
        } else if (inside(t.celestial(), x, y)) thing[i] = LIGHT;
        else thing[i] = y < t.horizonRow() ? SKY : GROUND;
      }
    return new long[][] {thing, colour};
  }

  /** Per patch (row-major), the object it shows by pixel ownership (see the class comment), or null. */
  static SceneObject[] owners(SceneTruth t, int patch) {
    int cols = t.width() / patch, rows = t.height() / patch;
    List<SceneObject> objects = t.objects();
    int[][] count = new int[rows * cols][objects.size()];
    float[][] depth = t.depth();
    for (int y = 0; y < rows * patch; y++)
      for (int x = 0; x < cols * patch; x++)
        for (int k = objects.size() - 1; k >= 0; k--) { // the renderer wrote each object's depth on the pixels it drew
          SceneObject o = objects.get(k);
          if (depth[y][x] == o.depth()) { count[(y / patch) * cols + x / patch][k]++; break; }
        }
    int[] home = new int[objects.size()]; // each object's patch with the most of its pixels
    for (int k = 0; k < objects.size(); k++)
      for (int i = 0; i < rows * cols; i++) if (count[i][k] > count[home[k]][k]) home[k] = i;
    SceneObject[] out = new SceneObject[rows * cols];
    for (int i = 0; i < out.length; i++) {
      int best = -1;
      for (int k = 0; k < objects.size(); k++)
        if (count[i][k] > 0 && (4 * count[i][k] >= patch * patch || home[k] == i) && (best < 0 || count[i][k] > count[i][best])) best = k;
      if (best >= 0) out[i] = objects.get(best);
    }
    return out;
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
