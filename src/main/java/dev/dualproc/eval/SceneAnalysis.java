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

  private SceneAnalysis(BufferedImage image) {
    width = image.getWidth();
    height = image.getHeight();
    unit = Math.min(width, height) / 64.0;
    px = Canvas.pixels(image);
    rowBackground = RowBackground.of(px, width, height);
    horizon = Horizon.detect(px, width, height, rowBackground, unit);
    sky = ColourLine.fit(rowBackground, 0, horizon.bandTop());
    ground = ColourLine.fit(rowBackground, horizon.bandBottom(), height);
    cls = classify();
    components = new Components(cls, width, height);
    ObjectDetector.Result found = ObjectDetector.detect(components, horizon.boundary(), unit, width);
    objects = found.objects();
    lights = found.lights();
    validity = validity();
  }

  public static SceneAnalysis of(BufferedImage image) {
    if (image.getWidth() < 16 || image.getHeight() < 16)
      throw new IllegalArgumentException("image too small to analyse: " + image.getWidth() + "x" + image.getHeight());
    return new SceneAnalysis(image);
  }

  public double horizonFraction() { return horizon.boundary() / height; }

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
    if (c == PixelClass.BACKGROUND || (c == PixelClass.OUTLINE && !outlineRow)) return true;
    int id = components.label[i];
    return id >= 0 && ownedComponents[id];
  }

  private Validity validity() {
    boolean[] owned = new boolean[components.list.size()];
    for (DetectedObject o : objects) for (int id : o.components()) owned[id] = true;
    for (int id : lights) owned[id] = true;
    double contrast = sky == null || ground == null ? 0
        : Rgb.dist(sky.at(horizon.bandTop() - 0.5), ground.at(horizon.bandBottom() + 0.5));
    long skyOk = 0, skyAll = 0, groundOk = 0, groundAll = 0;
    double worst = 1;
    for (int y = 0; y < height; y++) {
      if (y >= horizon.bandTop() && y < horizon.bandBottom()) continue;
      int ok = 0, outline = 0;
      for (int x = 0; x < width; x++) if (cls[y * width + x] == PixelClass.OUTLINE) outline++;
      boolean band = outline > Validity.MAX_OUTLINE_ROW * width;
      for (int x = 0; x < width; x++) if (explained(x, y, owned, band)) ok++;
      worst = Math.min(worst, ok / (double) width);
      if (y < horizon.bandTop()) { skyOk += ok; skyAll += width; } else { groundOk += ok; groundAll += width; }
    }
    double skyF = skyAll == 0 ? 0 : skyOk / (double) skyAll, groundF = groundAll == 0 ? 0 : groundOk / (double) groundAll;
    double f = horizonFraction();
    double smooth = Math.min(sky == null ? 0 : sky.fit(rowBackground, 0, horizon.bandTop(), Validity.SMOOTH),
        ground == null ? 0 : ground.fit(rowBackground, horizon.bandBottom(), height, Validity.SMOOTH));
    // a drawing outlines its objects too: a dark line at the horizon of an image with no other outline is paint
    int outlineElsewhere = 0;
    for (int i = 0; i < px.length; i++) {
      int y = i / width;
      if (cls[i] == PixelClass.OUTLINE && (y < horizon.bandTop() || y >= horizon.bandBottom())) outlineElsewhere++;
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
