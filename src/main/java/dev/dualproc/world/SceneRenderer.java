package dev.dualproc.world;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The procedural world: a seed gives one landscape (sky, ground, a horizon row, the sun or moon, one to three objects
 * standing on the ground plane in perspective) and its full ground truth. Deterministic: only SplittableRandom(seed),
 * and shapes rasterised by {@link Canvas}. All lengths scale with u = min(width, height) / 64.
 */
public final class SceneRenderer {
  public static final int DEFAULT_SIZE = 64;
  static final double P_DRAWING = 0.3, P_PALETTE = 0.25;
  /** Least RGB distance between an object's coloured part and the background behind it, and for its fixed parts. */
  static final double MAIN_MARGIN = 55, PART_MARGIN = 35;
  /** Objects, their outlines and the sun together cover at most this fraction of any row. */
  static final double MAX_ROW_COVER = 0.45;
  /** Tries at a layout code's place for an object before its place is drawn from the random stream. */
  static final int CODED_TRIES = 8;
  /** Tries of kind and colour at one token of a local layout code before its next-best token. */
  static final int TOKEN_TRIES = 4;

  private SceneRenderer() {}

  public record Rendered(BufferedImage image, SceneTruth truth) {}

  public static Rendered render(long seed) { return render(seed, DEFAULT_SIZE, DEFAULT_SIZE); }

  public static Rendered render(long seed, int width, int height) { return render(seed, width, height, Options.ANY); }

  /**
   * Fixes what would otherwise be drawn at random: the style, whether colours come from a palette, and a drawing's stroke
   * weight in pixels at 64 (null = random; the random weights are 1-4, and a critic's items may ask for thicker ones).
   * The random stream is consumed as without options, so everything else stays as the seed makes it; a layout code
   * replaces the draws it names (the stream is still consumed, and retries draw from it).
   */
  public record Options(Style style, Boolean palette, Integer strokeWeight64, LayoutCode code) {
    public static final Options ANY = new Options(null, null);

    public Options(Style style, Boolean palette) { this(style, palette, null, null); }

    public Options(Style style, Boolean palette, Integer strokeWeight64) { this(style, palette, strokeWeight64, null); }

    /** Any scene, its free layout chosen by {@code code} (see {@link LayoutCode}). */
    public static Options coded(LayoutCode code) { return new Options(null, null, null, code); }

    public Options {
      if (strokeWeight64 != null && !(strokeWeight64 >= 1 && strokeWeight64 <= 8))
        throw new IllegalArgumentException("stroke weight must be 1-8 px at 64, got " + strokeWeight64);
    }
  }

  public static Rendered render(long seed, int width, int height, Options options) {
    if (width < 32 || height < 32) throw new IllegalArgumentException("scene size must be at least 32x32, got " + width + "x" + height);
    return new Builder(seed, width, height).build(options == null ? Options.ANY : options);
  }

  /** Size step d of an object standing on row `base`: grows with the distance below the horizon (nearer = larger). */
  static double sizeStep(double base, double horizon, double u) {
    return 4 * u + 0.2 * (base - horizon);
  }

  private static final class Builder {
    final long seed;
    final int w, h;
    final double u;
    final SplittableRandom rng;
    LayoutCode code; // the options' layout code, or null
    final Canvas canvas, layer;
    int[] rowColour;
    double hr;
    boolean[] occupied;
    int[] rowCover;

    Builder(long seed, int w, int h) {
      this.seed = seed;
      this.w = w;
      this.h = h;
      this.u = Math.min(w, h) / 64.0;
      this.rng = new SplittableRandom(seed);
      this.canvas = new Canvas(w, h, 0);
      this.layer = new Canvas(w, h, Canvas.EMPTY);
      this.occupied = new boolean[w * h];
      this.rowCover = new int[h];
    }

    Rendered build(Options options) {
      code = options.code();
      boolean drawing = rng.nextDouble() < P_DRAWING;
      if (options.style() != null) drawing = options.style() == Style.DRAWING;
      int weight64 = 1 + rng.nextInt(4);
      if (code != null) weight64 = 1 + code.index(LayoutCode.STROKE, 4);
      if (options.strokeWeight64() != null) weight64 = options.strokeWeight64();
      int stroke = drawing ? Math.max(1, (int) Math.round(weight64 * u)) : 0;
      boolean palette = rng.nextDouble() < P_PALETTE;
      if (options.palette() != null) palette = options.palette();
      TimeOfDay time = TimeOfDay.values()[rng.nextInt(TimeOfDay.values().length)];
      Ground ground = Ground.values()[rng.nextInt(Ground.values().length)];
      hr = h * (0.2 + 0.6 * draw(LayoutCode.HORIZON));
      int count = 1 + rng.nextInt(3);

      List<NamedColour> pal = null;
      int skyTop, skyHorizon, groundFar, groundNear;
      if (palette) {
        NamedColour sky = pick(NamedColour.values());
        NamedColour soil;
        do soil = pick(NamedColour.values()); while (soil == sky);
        if (code != null) {
          NamedColour[] all = NamedColour.values();
          sky = all[code.index(LayoutCode.PALETTE_SKY, all.length)];
          int s = code.index(LayoutCode.PALETTE_SOIL, all.length - 1);
          soil = all[s >= sky.ordinal() ? s + 1 : s];
        }
        pal = new ArrayList<>(List.of(sky, soil));
        skyTop = skyHorizon = sky.rgb;
        groundFar = groundNear = soil.rgb;
      } else if (drawing) {
        skyTop = skyHorizon = Rgb.lerp(time.skyTop, time.skyHorizon, 0.6);
        groundFar = groundNear = Rgb.lerp(ground.far(time), ground.near(time), 0.4);
      } else {
        skyTop = time.skyTop;
        skyHorizon = time.skyHorizon;
        groundFar = ground.far(time);
        groundNear = ground.near(time);
      }
      rowColour = new int[h];
      for (int y = 0; y < h; y++) {
        double c = y + 0.5;
        rowColour[y] = c < hr ? Rgb.lerp(skyTop, skyHorizon, c / hr) : Rgb.lerp(groundFar, groundNear, (c - hr) / (h - hr));
        Arrays.fill(canvas.px, y * w, (y + 1) * w, rowColour[y]);
      }
      if (drawing) {
        int first = Canvas.firstAtOrAfter(hr) - stroke / 2;
        canvas.fillRect(0, first, w, first + stroke, Parts.OUTLINE);
      }

      List<SceneObject> objects = placeObjects(count, stroke, pal);
      objects.sort(Comparator.comparingDouble(SceneObject::baseRow));
      if (pal != null) for (SceneObject o : objects) if (!pal.contains(o.colour())) pal.add(o.colour());

      Celestial celestial = placeCelestial(time, pal, objects, stroke);
      if (time == TimeOfDay.NIGHT && !drawing && pal == null) drawStars(objects, celestial);
      if (celestial != null) {
        layer.fillEllipse(celestial.centreX(), celestial.centreY(), celestial.radius(), celestial.radius(), celestial.rgb());
        composite(bounds(celestial.centreX(), celestial.centreY(), celestial.radius()), stroke, null, 0);
      }

      float[][] depth = new float[h][w];
      for (int y = 0; y < h; y++) Arrays.fill(depth[y], SceneTruth.groundDepth(y + 0.5, hr, h));
      for (SceneObject o : objects) {
        ObjectPainter.paint(layer, o.kind(), o.colour().rgb, o.centreX(), o.baseRow(), o.size(), u);
        composite(new int[] {o.x0(), o.y0(), o.x1(), o.y1()}, stroke, depth, o.depth());
      }
      SceneTruth truth = new SceneTruth(seed, w, h, hr, pal == null ? time : null, pal == null ? ground : null,
          drawing ? Style.DRAWING : Style.PHOTO, stroke, pal == null ? null : List.copyOf(pal), List.copyOf(objects),
          celestial, depth);
      return new Rendered(canvas.toImage(), truth);
    }

    private <T> T pick(T[] options) { return options[rng.nextInt(options.length)]; }

    /** The next uniform of the random stream, or the layout code's slot in its place (slot < 0: none). */
    private double draw(int slot) {
      double r = rng.nextDouble();
      return code != null && slot >= 0 ? code.at(slot) : r;
    }

    private List<SceneObject> placeObjects(int count, int stroke, List<NamedColour> pal) {
      List<NamedColour> colours = new ArrayList<>(NamedColour.OBJECT);
      if (pal != null) colours.removeAll(pal);
      List<SceneObject> placed = new ArrayList<>();
      int trying = -1, tries = 0; // the object being placed at its code's place, and its tries there so far
      LayoutCode.TokenPlaces places = code == null ? null : code.places();
      int[] next = new int[LayoutCode.OBJECTS]; // with token places: each object's tries so far, TOKEN_TRIES at each token, best first
      int[][] order = new int[LayoutCode.OBJECTS][];
      for (int attempt = 0; attempt < 60 && placed.size() < count; attempt++) {
        Kind kind = pick(Kind.values());
        NamedColour colour = colours.get(rng.nextInt(colours.size()));
        int j = placed.size();
        if (j != trying) { trying = j; tries = 0; }
        // the code's place is kept while kind and colour are redrawn, so that most objects stand where the code says
        boolean atCode = code != null && places == null && j < LayoutCode.OBJECTS && tries++ < CODED_TRIES;
        double top = hr + 2 * u;
        double base = top + draw(atCode ? LayoutCode.OBJECT_BASE + 2 * j : -1) * (h - top);
        double[] spot = places != null && j < LayoutCode.OBJECTS ? nextTokenSpot(places, j, order, next, top) : null;
        if (spot != null) base = spot[1];
        double d = sizeStep(base, hr, u);
        double ow = kind.width * d, oh = kind.height * d;
        double ux = rng.nextDouble();
        double cx = ow / 2 + (spot != null ? spot[0] : atCode ? code.objectX(j, Math.min(count, LayoutCode.OBJECTS)) : ux) * (w - ow);
        if (base - oh < 0 || ow + 2 * stroke > MAX_ROW_COVER * w) continue;
        ObjectPainter.paint(layer, kind, colour.rgb, cx, base, d, u);
        int[] box = paintedBox(cx, base, ow, oh);
        boolean ok = box != null && contrasts(box, colour.rgb) && fits(box, colour, placed, stroke);
        int[] footprint = ok ? footprint(box, stroke) : null;
        ok = ok && leavesBackground(footprint);
        clear(box);
        if (!ok) continue;
        occupy(footprint);
        placed.add(new SceneObject(kind, colour, cx, base, d, box[0], box[1], box[2], box[3],
            SceneTruth.groundDepth(base, hr, h)));
      }
      return placed;
    }

    /**
     * Object j's next place from its token scores: the best-scoring token whose place (the token's cell plus its offsets
     * across and down) stands below {@code top}, as {across the frame in [0, 1), base row}; null when none is left (the
     * stream places the object then). A token is kept for {@link #TOKEN_TRIES} tries of kind and colour, then the next.
     */
    private double[] nextTokenSpot(LayoutCode.TokenPlaces places, int j, int[][] order, int[] next, double top) {
      if (order[j] == null) order[j] = places.order(j);
      for (; next[j] < order[j].length * TOKEN_TRIES; next[j] += TOKEN_TRIES - next[j] % TOKEN_TRIES) {
        int token = order[j][next[j] / TOKEN_TRIES], ty = token / places.cols(), tx = token % places.cols();
        double base = (ty + places.down()[j][token]) * h / places.rows();
        if (base >= top) {
          next[j]++;
          return new double[] {(tx + places.across()[j][token]) / places.cols(), base};
        }
      }
      return null;
    }

    /** Whether every painted pixel stands out from the background behind it (skin is decoration, exempt). */
    private boolean contrasts(int[] box, int colour) {
      for (int y = box[1]; y < box[3]; y++) {
        for (int x = box[0]; x < box[2]; x++) {
          int v = layer.get(x, y);
          if (v == Canvas.EMPTY || v == Parts.SKIN) continue;
          double margin = v == colour ? MAIN_MARGIN : PART_MARGIN;
          if (Rgb.dist(v, rowColour[y]) < margin) return false;
        }
      }
      return true;
    }

    /**
     * Little occlusion (5% of the smaller box, outlines included), so that no object loses the part that names it;
     * objects of one colour never touch (they would merge).
     */
    private boolean fits(int[] box, NamedColour colour, List<SceneObject> placed, int stroke) {
      int[] grown = {box[0] - stroke, box[1] - stroke, box[2] + stroke, box[3] + stroke};
      long area = (long) (grown[2] - grown[0]) * (grown[3] - grown[1]);
      for (SceneObject o : placed) {
        int[] other = {o.x0() - stroke, o.y0() - stroke, o.x1() + stroke, o.y1() + stroke};
        long otherArea = (long) (other[2] - other[0]) * (other[3] - other[1]);
        if (overlap(grown, other[0], other[1], other[2], other[3], 0) > 0.05 * Math.min(area, otherArea)) return false;
        int gap = (int) Math.ceil(2 * u) + stroke;
        if (o.colour() == colour && overlap(box, o.x0(), o.y0(), o.x1(), o.y1(), gap) > 0) return false;
      }
      return true;
    }

    /**
     * Whether, with this footprint added, every row still shows sky or ground over more than half its width: the
     * horizon stays the widest edge and the background the commonest colour of every row.
     */
    private boolean leavesBackground(int[] footprint) {
      int[] add = new int[h];
      for (int i : footprint) if (!occupied[i]) add[i / w]++;
      for (int y = 0; y < h; y++) if (rowCover[y] + add[y] > MAX_ROW_COVER * w) return false;
      return true;
    }

    private void occupy(int[] footprint) {
      for (int i : footprint) {
        if (occupied[i]) continue;
        occupied[i] = true;
        rowCover[i / w]++;
      }
    }

    private static long overlap(int[] a, int x0, int y0, int x1, int y1, int grow) {
      long ox = Math.min(a[2] + grow, x1) - Math.max(a[0] - grow, x0), oy = Math.min(a[3] + grow, y1) - Math.max(a[1] - grow, y0);
      return ox > 0 && oy > 0 ? ox * oy : 0;
    }

    private Celestial placeCelestial(TimeOfDay time, List<NamedColour> pal, List<SceneObject> objects, int stroke) {
      double r = (time == TimeOfDay.SUNSET ? 0.07 : 0.055) * Math.min(w, h);
      r = Math.min(r, (hr - 2.5 * u) / 2);
      int colour;
      if (pal != null) {
        List<NamedColour> options = new ArrayList<>(pal.subList(2, pal.size()));
        if (pal.size() < 6) for (NamedColour c : NamedColour.values()) if (!pal.contains(c)) options.add(c);
        int pick = rng.nextInt(options.size());
        NamedColour c = options.get(code != null ? code.index(LayoutCode.CELESTIAL_COLOUR, options.size()) : pick);
        if (!pal.contains(c)) pal.add(c);
        colour = c.rgb;
      } else {
        colour = time.celestial;
      }
      double cxLo = r + u, cxHi = w - r - u, cyLo = r + u, cyHi = hr - r - 1.5 * u;
      if (time == TimeOfDay.SUNSET && pal == null) cyLo = Math.max(cyLo, cyHi - 3 * r);
      for (int attempt = 0; attempt < 20 && r >= 1.5 * u && cyHi >= cyLo; attempt++) {
        boolean first = attempt == 0;
        double cx = cxLo + draw(first ? LayoutCode.CELESTIAL_X : -1) * (cxHi - cxLo);
        double cy = cyLo + draw(first ? LayoutCode.CELESTIAL_Y : -1) * (cyHi - cyLo);
        int[] b = bounds(cx, cy, r);
        int gap = (int) Math.ceil(2 * u) + 2 * stroke;
        if (objects.stream().anyMatch(o -> overlap(b, o.x0(), o.y0(), o.x1(), o.y1(), gap) > 0)) continue;
        layer.fillEllipse(cx, cy, r, r, colour);
        int[] footprint = footprint(b, stroke);
        boolean ok = leavesBackground(footprint);
        clear(b);
        if (!ok) continue;
        occupy(footprint);
        String kind = pal == null && time == TimeOfDay.NIGHT ? "moon" : "sun";
        return new Celestial(kind, cx, cy, r, colour);
      }
      if (pal != null && pal.size() > 2 && !objectColour(pal.getLast(), objects)) pal.removeLast();
      return null;
    }

    private static boolean objectColour(NamedColour c, List<SceneObject> objects) {
      return objects.stream().anyMatch(o -> o.colour() == c);
    }

    private void drawStars(List<SceneObject> objects, Celestial celestial) {
      int n = 4 + rng.nextInt(8);
      int s = Math.max(1, (int) Math.round(u));
      for (int i = 0; i < n; i++) {
        double x = rng.nextDouble() * (w - s), y = rng.nextDouble() * Math.max(0, hr - s - 2 * u);
        int[] b = {(int) x, (int) y, (int) x + s + 1, (int) y + s + 1};
        int gap = (int) Math.ceil(2 * u);
        boolean clear = objects.stream().noneMatch(o -> overlap(b, o.x0(), o.y0(), o.x1(), o.y1(), gap) > 0)
            && (celestial == null || apart(b, bounds(celestial.centreX(), celestial.centreY(), celestial.radius()), gap));
        if (clear) canvas.fillRect(x, y, x + s, y + s, Parts.STAR);
      }
    }

    private static boolean apart(int[] a, int[] b, int grow) { return overlap(a, b[0], b[1], b[2], b[3], grow) == 0; }

    private int[] bounds(double cx, double cy, double r) {
      return new int[] {Math.max(0, (int) Math.floor(cx - r)), Math.max(0, (int) Math.floor(cy - r)),
          Math.min(w, (int) Math.ceil(cx + r) + 1), Math.min(h, (int) Math.ceil(cy + r) + 1)};
    }

    /** Bounding box of the layer's painted pixels near an object's footprint, or null if nothing was painted. */
    private int[] paintedBox(double cx, double base, double ow, double oh) {
      int xa = Math.max(0, (int) Math.floor(cx - ow / 2) - 1), xb = Math.min(w, (int) Math.ceil(cx + ow / 2) + 2);
      int ya = Math.max(0, (int) Math.floor(base - oh) - 1), yb = Math.min(h, (int) Math.ceil(base) + 1);
      int x0 = w, y0 = h, x1 = -1, y1 = -1;
      for (int y = ya; y < yb; y++) {
        for (int x = xa; x < xb; x++) {
          if (layer.get(x, y) == Canvas.EMPTY) continue;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        }
      }
      return x1 < 0 ? null : new int[] {x0, y0, x1, y1};
    }

    private void clear(int[] box) {
      if (box == null) return;
      for (int y = box[1]; y < box[3]; y++) Arrays.fill(layer.px, y * w + box[0], y * w + box[2], Canvas.EMPTY);
    }

    /** Indices of the layer's painted pixels inside box, grown by `stroke` pixels (a square dilation). */
    private int[] footprint(int[] box, int stroke) {
      int xa = Math.max(0, box[0] - stroke), xb = Math.min(w, box[2] + stroke);
      int ya = Math.max(0, box[1] - stroke), yb = Math.min(h, box[3] + stroke);
      int bw = xb - xa, bh = yb - ya;
      boolean[] across = new boolean[bw * bh];
      for (int y = ya; y < yb; y++) {
        for (int x = xa; x < xb; x++) {
          boolean any = false;
          for (int k = Math.max(xa, x - stroke); k <= Math.min(xb - 1, x + stroke) && !any; k++) any = layer.get(k, y) != Canvas.EMPTY;
          across[(y - ya) * bw + (x - xa)] = any;
        }
      }
      int[] out = new int[bw * bh];
      int n = 0;
      for (int y = ya; y < yb; y++) {
        for (int x = xa; x < xb; x++) {
          boolean any = false;
          for (int k = Math.max(ya, y - stroke); k <= Math.min(yb - 1, y + stroke) && !any; k++) any = across[(k - ya) * bw + (x - xa)];
          if (any) out[n++] = y * w + x;
        }
      }
      return Arrays.copyOf(out, n);
    }

    /**
     * Copies the layer's pixels inside box onto the canvas, with a dark outline of `stroke` pixels around them (so
     * straight edges get exactly `stroke` pixels), and their depth; then clears the layer.
     */
    private void composite(int[] box, int stroke, float[][] depth, float objectDepth) {
      for (int i : footprint(box, stroke)) {
        int v = layer.px[i];
        canvas.px[i] = v == Canvas.EMPTY ? Parts.OUTLINE : v;
        if (depth != null) depth[i / w][i % w] = objectDepth;
      }
      clear(box);
    }
  }
}
