package dev.dualproc.world;

import java.util.Locale;

/** Packed 0xRRGGBB colours: the one representation the renderer, overlays and verifiers share. */
public final class Rgb {
  private Rgb() {}

  public static int of(int r, int g, int b) { return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b); }

  public static int r(int c) { return (c >> 16) & 0xFF; }
  public static int g(int c) { return (c >> 8) & 0xFF; }
  public static int b(int c) { return c & 0xFF; }

  public static int clamp(int v) { return v < 0 ? 0 : Math.min(v, 255); }

  /** Euclidean distance in RGB: simple, and every margin in the world tables is stated in it. */
  public static double dist(int a, int b) {
    int dr = r(a) - r(b), dg = g(a) - g(b), db = b(a) - b(b);
    return Math.sqrt(dr * dr + dg * dg + db * db);
  }

  public static int dist2(int a, int b) {
    int dr = r(a) - r(b), dg = g(a) - g(b), db = b(a) - b(b);
    return dr * dr + dg * dg + db * db;
  }

  public static int lerp(int a, int b, double t) {
    return of((int) Math.round(r(a) + (r(b) - r(a)) * t), (int) Math.round(g(a) + (g(b) - g(a)) * t),
        (int) Math.round(b(a) + (b(b) - b(a)) * t));
  }

  public static int scale(int c, double f) {
    return of((int) Math.round(r(c) * f), (int) Math.round(g(c) * f), (int) Math.round(b(c) * f));
  }

  /** Distance from colour c to the segment p..q (a gradient's colours all lie on it). */
  public static double distToSegment(int c, int p, int q) {
    double[] d = {r(q) - r(p), g(q) - g(p), b(q) - b(p)};
    double[] v = {r(c) - r(p), g(c) - g(p), b(c) - b(p)};
    double len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    double t = len2 == 0 ? 0 : Math.max(0, Math.min(1, (v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / len2));
    double ex = v[0] - t * d[0], ey = v[1] - t * d[1], ez = v[2] - t * d[2];
    return Math.sqrt(ex * ex + ey * ey + ez * ez);
  }

  public static String hex(int c) { return String.format(Locale.ROOT, "#%06X", c & 0xFFFFFF); }

  /** Parses "#RRGGBB" (the leading # optional); throws IllegalArgumentException naming the text otherwise. */
  public static int parseHex(String s) {
    String t = s == null ? "" : s.trim();
    if (t.startsWith("#")) t = t.substring(1);
    if (t.length() != 6) throw new IllegalArgumentException("colour '" + s + "': expected #RRGGBB");
    try {
      return Integer.parseInt(t, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("colour '" + s + "': expected #RRGGBB");
    }
  }
}
