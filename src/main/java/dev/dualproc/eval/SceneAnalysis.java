package dev.dualproc.eval;

import dev.dualproc.world.Canvas;
import dev.dualproc.world.Rgb;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One pass over an image that every verifier shares: row background colours, the horizon, linear sky and ground colour models,
 * a class for every pixel that stands out from its background, connected components, the objects they form, and the
 * scene-validity check.
 */
public final class SceneAnalysis {
  /** A pixel closer than this to its background model is background. */
  static final double BACKGROUND_DISTANCE = 28;

  public final int width, height;
  public final double unit;
  final int[] px;
  final int[] rowBackground;
  public final Horizon horizon;
  final ColourLine sky, ground;
  final PixelClass[] cls;
  final Components components;
  public final List<DetectedObject> objects;
  final List<Integer> lights;
  public final Validity validity;

  private SceneAnalysis(BufferedImage image, KindNet kinds) {
    width = image.getWidth();
    height = image.getHeight();
    unit = Math.min(width, height) / 64.0;
    px = Canvas.pixels(image);
    rowBackground = RowBackground.of(px, width, height);
    horizon = Horizon.detect(px, width, height, rowBackground, unit);
    sky = ColourLine.fit(rowBackground, 0, horizon.bandTop());
    ground = ColourLine.fit(rowBackground, horizon.bandBottom(), height);
    cls = classify();
    components = new Components(cls, width, height, (int) Math.max(1, Math.round(unit)));
    ObjectDetector.Result found = kinds == null ? new ObjectDetector.Result(List.of(), List.of())
        : ObjectDetector.detect(px, components, width, height, horizon.boundary(), unit, kinds);
    objects = found.objects();
    lights = found.lights();
    validity = validity();
  }

  public static SceneAnalysis of(BufferedImage image) { return of(image, KindNet.builtin()); }

  /** With another kind network; null skips the objects (what building the network's own training data needs). */
  static SceneAnalysis of(BufferedImage image, KindNet kinds) {
    if (image.getWidth() < 16 || image.getHeight() < 16)
      throw new IllegalArgumentException("image too small to analyse: " + image.getWidth() + "x" + image.getHeight());
    return new SceneAnalysis(image, kinds);
  }

  public double horizonFraction() { return horizon.boundary() / height; }

  /** The detected sky/ground boundary, in pixels from the top (what the horizon verifier compares). */
  public double horizonRow() { return horizon.boundary(); }

  private PixelClass[] classify() {
    PixelClass[] out = new PixelClass[px.length];
    double near = Math.max(1, unit);
    for (int y = 0; y < height; y++) {
      boolean inBand = y >= horizon.bandTop() && y < horizon.bandBottom();
      boolean nearEdge = Math.abs(y + 0.5 - horizon.boundary()) <= near;
      int own = y < horizon.bandTop() ? at(sky, y) : at(ground, y);
      int other = y < horizon.bandTop() ? at(ground, y) : at(sky, y);
      for (int x = 0; x < width; x++) {
        int c = px[y * width + x];
        boolean bg = (own >= 0 && !inBand && Rgb.dist(c, own) <= BACKGROUND_DISTANCE)
            || ((nearEdge || inBand) && other >= 0 && Rgb.dist(c, other) <= BACKGROUND_DISTANCE)
            || (inBand && own >= 0 && Rgb.dist(c, own) <= BACKGROUND_DISTANCE);
        out[y * width + x] = bg ? PixelClass.BACKGROUND : PixelClass.nearest(c);
      }
    }
    return out;
  }

  private static int at(ColourLine line, int y) { return line == null ? -1 : line.at(y + 0.5); }

  /**
   * Whether pixel (x, y) is accounted for by the scene: background, an object, a light in the sky, or outline in a row
   * that outlines do not cross (objects and their outlines cover under half of any row; a dark band across the image
   * outside the horizon line is paint, not outline).
   */
  boolean explained(int x, int y, boolean[] ownedComponents, boolean outlineRow) {
    int i = y * width + x;
    PixelClass c = cls[i];
    if (c == PixelClass.BACKGROUND || (dark(c) && !outlineRow)) return true;
    int id = components.label[i];
    return id >= 0 && ownedComponents[id];
  }

  /**
   * Unexplained pixels that are a mix of the nearest explained pixels either side of them (along a row, a column or a
   * diagonal, within 2u), or near the horizon a mix of sky
   * and ground: the soft edges of a blurred or
   * generated image. A band or a patch of paint is not a mix of what surrounds it, so it stays unexplained.
   */
  private static final int[][] DIRECTIONS = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};

  /** Index of the first explained pixel from (x, y) in steps of (dx, dy), at most r steps; -1 if none. */
  private int nearestOk(boolean[] ok, int x, int y, int dx, int dy, int r) {
    for (int s = 1; s <= r; s++) {
      int xx = x + s * dx, yy = y + s * dy;
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) return -1;
      if (ok[yy * width + xx]) return yy * width + xx;
    }
    return -1;
  }

  private boolean[] blends(boolean[] ok) {
    boolean[] out = new boolean[px.length];
    int r = (int) Math.max(2, Math.round(2 * unit));
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        if (ok[i]) continue;
        // across a soft horizon, rows are a mix of the sky and the ground colours at that row
        if (sky != null && ground != null && Math.abs(y + 0.5 - horizon.boundary()) <= r + 0.5
            && Rgb.distToSegment(px[i], sky.at(y + 0.5), ground.at(y + 0.5)) <= Validity.BLEND) {
          out[i] = true;
          continue;
        }
        // along each of 4 directions, the nearest explained pixel on either side: a soft edge lies between them
        for (int[] d : DIRECTIONS) {
          int a = nearestOk(ok, x, y, d[0], d[1], r), b = nearestOk(ok, x, y, -d[0], -d[1], r);
          if (a >= 0 && b >= 0 && Rgb.dist(px[a], px[b]) > Validity.BLEND && Rgb.distToSegment(px[i], px[a], px[b]) <= Validity.BLEND) {
            out[i] = true;
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * An unrecognised thing that still belongs in a scene (a softened object whose parts blurred away; what it is, the
   * objects verifier judges): an object colour, not the sky's or the ground's colour where it is (a displaced piece of
   * sky), compact, not a block, and no wider than an object can be.
   */
  private boolean blob(Component c) {
    if (!c.cls().isObjectColour() || c.width() > ObjectDetector.MAX_WIDTH * width || c.area() < Validity.MIN_BLOB * unit * unit) return false;
    double fill = c.area() / (double) (c.width() * c.height());
    if (fill < 0.3 || fill > 0.95) return false;
    double row = c.cy();
    for (ColourLine line : new ColourLine[] {sky, ground})
      if (line != null && Rgb.dist(c.cls().rgb, line.at(row)) < Validity.MIN_CONTRAST) return false;
    return true;
  }

  /** Outline, or a softened outline that reads as one of the dark part colours (tyre, legs). */
  static boolean dark(PixelClass c) { return c == PixelClass.OUTLINE || c == PixelClass.TYRE || c == PixelClass.LEGS; }

  private Validity validity() {
    boolean[] owned = new boolean[components.list.size()];
    for (DetectedObject o : objects) for (int id : o.components()) owned[id] = true;
    for (int id : lights) owned[id] = true;
    for (Component c : components.list) if (!owned[c.id()] && blob(c)) owned[c.id()] = true;
    double contrast = sky == null || ground == null ? 0
        : Rgb.dist(sky.at(horizon.bandTop() - 0.5), ground.at(horizon.bandBottom() + 0.5));
    boolean[] ok = new boolean[px.length];
    for (int y = 0; y < height; y++) {
      int outline = 0;
      for (int x = 0; x < width; x++) if (dark(cls[y * width + x])) outline++;
      boolean band = outline > Validity.MAX_OUTLINE_ROW * width;
      boolean line = y >= horizon.bandTop() && y < horizon.bandBottom(); // the horizon line itself (not counted below)
      for (int x = 0; x < width; x++) ok[y * width + x] = line || explained(x, y, owned, band);
    }
    boolean[] blended = blends(ok);
    long skyOk = 0, skyAll = 0, groundOk = 0, groundAll = 0;
    double worst = 1;
    for (int y = 0; y < height; y++) {
      if (y >= horizon.bandTop() && y < horizon.bandBottom()) continue;
      int n = 0;
      for (int x = 0; x < width; x++) if (ok[y * width + x] || blended[y * width + x]) n++;
      worst = Math.min(worst, n / (double) width);
      if (y < horizon.bandTop()) { skyOk += n; skyAll += width; } else { groundOk += n; groundAll += width; }
    }
    double skyF = skyAll == 0 ? 0 : skyOk / (double) skyAll, groundF = groundAll == 0 ? 0 : groundOk / (double) groundAll;
    double f = horizonFraction();
    double smooth = Math.min(sky == null ? 0 : sky.fit(rowBackground, 0, horizon.bandTop(), Validity.SMOOTH),
        ground == null ? 0 : ground.fit(rowBackground, horizon.bandBottom(), height, Validity.SMOOTH));
    // a drawing outlines its objects too: a dark line at the horizon of an image with no other outline is paint
    boolean[] objectPart = new boolean[components.list.size()];
    for (DetectedObject o : objects) for (int id : o.components()) objectPart[id] = true;
    int outlineElsewhere = 0;
    for (int i = 0; i < px.length; i++) {
      int y = i / width;
      // tyres and legs of recognised objects are parts, not outline
      boolean part = cls[i] != PixelClass.OUTLINE && components.label[i] >= 0 && objectPart[components.label[i]];
      if (dark(cls[i]) && !part && (y < horizon.bandTop() || y >= horizon.bandBottom())) outlineElsewhere++;
    }
    boolean loneLine = horizon.bandBottom() > horizon.bandTop() && outlineElsewhere < Validity.MIN_OUTLINE * unit * unit;
    String reason;
    if (f < Validity.EDGE || f > 1 - Validity.EDGE) reason = "horizon at the edge of the frame";
    else if (contrast < Validity.MIN_CONTRAST) reason = "sky and ground not distinct";
    else if (smooth < Validity.MIN_SMOOTH_ROWS) reason = "sky or ground not a smooth gradient";
    else if (skyF < Validity.MIN_REGION) reason = "too little sky above the horizon";
    else if (groundF < Validity.MIN_REGION) reason = "too little ground below the horizon";
    else if (worst < Validity.MIN_ROW) reason = "a row that is neither sky nor ground";
    else if (loneLine) reason = "a dark line along the horizon but no outlines elsewhere";
    else reason = "ok";
    return new Validity(reason.equals("ok"), skyF, groundF, worst, contrast, smooth, reason);
  }

}
