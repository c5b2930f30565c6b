package dev.dualproc.eval;

import dev.dualproc.world.Parts;
import dev.dualproc.world.Rgb;
import java.util.Arrays;

/**
 * The horizon as detected: the row boundary across which the most columns change colour (the mean of the k pixels
 * below against the k above, k = 2 at 64 px, by more than 30), or one nearly as wide whose median column changes
 * more; then, within k rows, where the median column changes most. An object's edge spans
 * only its own width; the horizon spans every column no object hides. When that edge is a dark band (a drawing's
 * horizon line) the boundary is the band's middle. boundary is in rows from the top; the band covers rows
 * [bandTop, bandBottom); columns is the fraction of columns that change across it.
 */
record Horizon(double boundary, int bandTop, int bandBottom, double columns) {
  static final double DARK = 40, EDGE = 30;

  static Horizon detect(int[] px, int width, int height, int[] rowBackground, double unit) {
    int k = Math.max(2, (int) Math.round(2 * unit));
    // prefix sums down each column, per channel
    int[][] sum = new int[3][(height + 1) * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int c = px[y * width + x], i = (y + 1) * width + x, j = y * width + x;
        sum[0][i] = sum[0][j] + Rgb.r(c);
        sum[1][i] = sum[1][j] + Rgb.g(c);
        sum[2][i] = sum[2][j] + Rgb.b(c);
      }
    }
    int[] count = new int[height + 1];
    double[] median = new double[height + 1], diff = new double[width];
    int widest = k;
    for (int r = k; r <= height - k; r++) {
      columnDiffs(sum, width, r, k, diff);
      for (double d : diff) if (d > EDGE) count[r]++;
      Arrays.sort(diff);
      median[r] = diff[width / 2];
      if (count[r] > count[widest]) widest = r;
    }
    // a steep sky gradient (a sunset over a high horizon) changes nearly as many columns as the horizon, but by less:
    // among the rows that change nearly as many columns as the widest, the median column's change decides
    int edgeRow = widest;
    for (int r = k; r <= height - k; r++) if (count[r] >= 0.7 * count[widest] && median[r] > median[edgeRow]) edgeRow = r;
    // a sharp edge registers, weaker, up to k rows either side of itself; the median column (the background, as
    // objects cover less than half of the width) changes most at the edge itself
    int best = edgeRow;
    for (int r = Math.max(k, edgeRow - k); r <= Math.min(height - k, edgeRow + k); r++)
      if (count[r] >= 0.5 * count[edgeRow] && median[r] > median[best]) best = r;
    double bestColumns = count[best] / (double) width;
    // a drawing's horizon line: the dark rows on either side of the edge
    int top = best, bottom = best;
    while (bottom < height && dark(rowBackground[bottom])) bottom++;
    while (top > 0 && dark(rowBackground[top - 1])) top--;
    return new Horizon((top + bottom) / 2.0, top, bottom, bestColumns);
  }

  /** Per column, the colour distance between the mean of the k pixels below row r and the k above. */
  private static void columnDiffs(int[][] sum, int width, int r, int k, double[] out) {
    for (int x = 0; x < width; x++) {
      double d2 = 0;
      for (int ch = 0; ch < 3; ch++) {
        int below = sum[ch][(r + k) * width + x] - sum[ch][r * width + x];
        int above = sum[ch][r * width + x] - sum[ch][(r - k) * width + x];
        double d = below - above;
        d2 += d * d;
      }
      out[x] = Math.sqrt(d2) / k;
    }
  }

  static boolean dark(int rgb) { return Rgb.dist(rgb, Parts.OUTLINE) < DARK; }
}
