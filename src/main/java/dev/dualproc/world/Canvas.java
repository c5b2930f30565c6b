package dev.dualproc.world;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;

/**
 * An int raster with shape fills by the pixel-centre rule (a pixel is inside when its centre (x+0.5, y+0.5) is), no
 * anti-aliasing and no system rendering, so that output is bit-identical on every machine and easy to verify.
 * Values are 0xRRGGBB colours, or {@link #EMPTY} in layers.
 */
public final class Canvas {
  public static final int EMPTY = -1;

  public final int width, height;
  public final int[] px;

  public Canvas(int width, int height, int fill) {
    if (width <= 0 || height <= 0) throw new IllegalArgumentException("canvas size must be positive, got " + width + "x" + height);
    this.width = width;
    this.height = height;
    this.px = new int[width * height];
    Arrays.fill(px, fill);
  }

  public int get(int x, int y) { return px[y * width + x]; }

  public void set(int x, int y, int v) {
    if (x >= 0 && y >= 0 && x < width && y < height) px[y * width + x] = v;
  }

  /** First pixel index whose centre is at or right of coordinate t. */
  public static int firstAtOrAfter(double t) { return (int) Math.ceil(t - 0.5); }

  /** Fills the pixels whose centres lie in [x0, x1) x [y0, y1). */
  public void fillRect(double x0, double y0, double x1, double y1, int v) {
    int xa = Math.max(0, firstAtOrAfter(x0)), xb = Math.min(width, firstAtOrAfter(x1));
    int ya = Math.max(0, firstAtOrAfter(y0)), yb = Math.min(height, firstAtOrAfter(y1));
    if (xa >= xb) return; // wholly left or right of the canvas (a rectangle past the right edge once ran into the next row)
    for (int y = ya; y < yb; y++) Arrays.fill(px, y * width + xa, y * width + xb, v);
  }

  /** Fills the ellipse, keeping only rows whose centres lie above maxY (a dome when maxY = cy). */
  public void fillEllipse(double cx, double cy, double rx, double ry, double maxY, int v) {
    if (rx <= 0 || ry <= 0) return;
    int ya = Math.max(0, firstAtOrAfter(cy - ry)), yb = Math.min(height - 1, (int) Math.floor(cy + ry - 0.5));
    for (int y = ya; y <= yb; y++) {
      double yc = y + 0.5;
      if (yc >= maxY) break;
      double t = (yc - cy) / ry, s = 1 - t * t;
      if (s < 0) continue;
      double half = rx * Math.sqrt(s);
      int xa = Math.max(0, firstAtOrAfter(cx - half)), xb = Math.min(width - 1, (int) Math.floor(cx + half - 0.5));
      for (int x = xa; x <= xb; x++) px[y * width + x] = v;
    }
  }

  public void fillEllipse(double cx, double cy, double rx, double ry, int v) {
    fillEllipse(cx, cy, rx, ry, Double.POSITIVE_INFINITY, v);
  }

  /** Fills the triangle (either winding), edges included. */
  public void fillTriangle(double ax, double ay, double bx, double by, double cx, double cy, int v) {
    double area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (area == 0) return;
    double sign = Math.signum(area);
    int xa = Math.max(0, firstAtOrAfter(Math.min(ax, Math.min(bx, cx)))), xb = Math.min(width - 1, (int) Math.floor(Math.max(ax, Math.max(bx, cx)) - 0.5));
    int ya = Math.max(0, firstAtOrAfter(Math.min(ay, Math.min(by, cy)))), yb = Math.min(height - 1, (int) Math.floor(Math.max(ay, Math.max(by, cy)) - 0.5));
    for (int y = ya; y <= yb; y++) {
      double py = y + 0.5;
      for (int x = xa; x <= xb; x++) {
        double qx = x + 0.5;
        double e0 = ((bx - ax) * (py - ay) - (by - ay) * (qx - ax)) * sign;
        double e1 = ((cx - bx) * (py - by) - (cy - by) * (qx - bx)) * sign;
        double e2 = ((ax - cx) * (py - cy) - (ay - cy) * (qx - cx)) * sign;
        if (e0 >= 0 && e1 >= 0 && e2 >= 0) px[y * width + x] = v;
      }
    }
  }

  /** An RGB image sharing nothing with this canvas; EMPTY pixels come out white. */
  public BufferedImage toImage() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < px.length; i++) dst[i] = px[i] == EMPTY ? 0xFFFFFF : px[i] & 0xFFFFFF;
    return img;
  }

  /** The packed RGB pixels of any image, row-major (alpha dropped). */
  public static int[] pixels(BufferedImage img) {
    int w = img.getWidth(), h = img.getHeight();
    if (img.getType() == BufferedImage.TYPE_INT_RGB && img.getRaster().getDataBuffer() instanceof DataBufferInt db
        && img.getRaster().getParent() == null && db.getData().length == w * h) {
      int[] src = db.getData();
      int[] out = new int[w * h];
      for (int i = 0; i < out.length; i++) out[i] = src[i] & 0xFFFFFF;
      return out;
    }
    int[] out = img.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < out.length; i++) out[i] &= 0xFFFFFF;
    return out;
  }

  public static Canvas of(BufferedImage img) {
    Canvas c = new Canvas(img.getWidth(), img.getHeight(), 0);
    System.arraycopy(pixels(img), 0, c.px, 0, c.px.length);
    return c;
  }
}
