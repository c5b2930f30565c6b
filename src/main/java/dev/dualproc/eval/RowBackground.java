package dev.dualproc.eval;

import dev.dualproc.world.Rgb;

/**
 * Each row's background colour: the densest colour of the row (the sample with the most others within 20 of it, and
 * their mean). Unlike a median it stays right while objects cover most of a row, as long as no single object colour
 * covers more of it than the background does. Rows wider than 64 pixels are sampled at 64 columns.
 */
final class RowBackground {
  static final double NEAR = 20;
  private RowBackground() {}

  static int[] of(int[] px, int width, int height) {
    int n = Math.min(width, 64);
    int[] cols = new int[n];
    for (int i = 0; i < n; i++) cols[i] = (int) ((i + 0.5) * width / n);
    int[] out = new int[height];
    int[] row = new int[n];
    double near2 = NEAR * NEAR;
    for (int y = 0; y < height; y++) {
      for (int i = 0; i < n; i++) row[i] = px[y * width + cols[i]];
      int best = 0, bestCount = -1;
      for (int i = 0; i < n; i++) {
        int count = 0;
        for (int j = 0; j < n; j++) if (Rgb.dist2(row[i], row[j]) <= near2) count++;
        if (count > bestCount) { bestCount = count; best = i; }
      }
      long r = 0, g = 0, b = 0;
      int k = 0;
      for (int j = 0; j < n; j++) {
        if (Rgb.dist2(row[best], row[j]) > near2) continue;
        r += Rgb.r(row[j]);
        g += Rgb.g(row[j]);
        b += Rgb.b(row[j]);
        k++;
      }
      out[y] = Rgb.of(Math.round((float) r / k), Math.round((float) g / k), Math.round((float) b / k));
    }
    return out;
  }
}
