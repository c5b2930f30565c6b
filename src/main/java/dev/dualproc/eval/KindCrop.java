package dev.dualproc.eval;

/**
 * What the kind network sees of a coloured region: a square window around it, {@value #SIDE} x {@value #SIDE} cells,
 * with the RGB of the image (bilinear, in [-1, 1]; 0 outside the frame) and a mask of the region itself. The window is
 * {@value #SPAN} times the region's larger side, so that the parts around it (a trunk, a roof, a head and legs,
 * tyres) are in view; it scales with the region, so one network reads 64 and 128 px scenes alike.
 */
public final class KindCrop {
  private KindCrop() {}

  public static final int SIDE = 16;
  public static final int CHANNELS = 4;
  static final double SPAN = 3.0;

  /** The crop as [CHANNELS][SIDE][SIDE], row-major. */
  static float[] of(int[] px, int[] label, int width, int height, Component c, double unit) {
    double side = Math.max(10 * unit, SPAN * Math.max(c.width(), c.height()));
    double left = 0.5 * (c.x0() + c.x1()) - side / 2, top = 0.5 * (c.y0() + c.y1()) - side / 2, step = side / SIDE;
    float[] out = new float[CHANNELS * SIDE * SIDE];
    int plane = SIDE * SIDE;
    for (int i = 0; i < SIDE; i++) {
      double y = top + (i + 0.5) * step - 0.5;
      for (int j = 0; j < SIDE; j++) {
        double x = left + (j + 0.5) * step - 0.5;
        int o = i * SIDE + j;
        double[] rgb = bilinear(px, width, height, x, y);
        for (int ch = 0; ch < 3; ch++) out[ch * plane + o] = (float) rgb[ch];
        int nx = (int) Math.round(x), ny = (int) Math.round(y);
        boolean inside = nx >= 0 && ny >= 0 && nx < width && ny < height;
        out[3 * plane + o] = inside && label[ny * width + nx] == c.id() ? 1f : 0f;
      }
    }
    return out;
  }

  /** RGB in [-1, 1] at (x, y) in pixel-centre coordinates; pixels outside the frame count as 0 (mid grey). */
  private static double[] bilinear(int[] px, int width, int height, double x, double y) {
    int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
    double fx = x - x0, fy = y - y0;
    double[] rgb = new double[3];
    for (int dy = 0; dy <= 1; dy++)
      for (int dx = 0; dx <= 1; dx++) {
        double w = (dx == 0 ? 1 - fx : fx) * (dy == 0 ? 1 - fy : fy);
        int xx = x0 + dx, yy = y0 + dy;
        if (w == 0 || xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        int p = px[yy * width + xx];
        rgb[0] += w * (((p >> 16) & 255) / 127.5 - 1);
        rgb[1] += w * (((p >> 8) & 255) / 127.5 - 1);
        rgb[2] += w * ((p & 255) / 127.5 - 1);
      }
    return rgb;
  }
}
