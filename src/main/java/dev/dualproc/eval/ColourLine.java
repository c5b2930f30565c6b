package dev.dualproc.eval;

import dev.dualproc.world.Rgb;
import java.util.Arrays;

/**
 * A colour that changes linearly with the row (a sky or ground gradient; flat fills are the special case), fitted to
 * the rows' background colours: least squares from two starts (all rows; the median colour), each refined three times
 * on the rows within 20 of it; the start that keeps more rows wins. inliers is the fraction of rows it keeps.
 */
record ColourLine(double[] a, double[] b, double inliers) {
  static final double OUTLIER = 20;

  int at(double row) {
    return Rgb.of((int) Math.round(a[0] + b[0] * row), (int) Math.round(a[1] + b[1] * row), (int) Math.round(a[2] + b[2] * row));
  }

  /** Fraction of rows in [from, to) whose colour lies within `tolerance` of the line. */
  double fit(int[] rows, int from, int to, double tolerance) {
    int n = 0;
    for (int y = from; y < to; y++) if (Rgb.dist(rows[y], at(y + 0.5)) <= tolerance) n++;
    return to > from ? n / (double) (to - from) : 0;
  }

  /** Fit over rows [from, to); null when the range is empty. */
  static ColourLine fit(int[] rows, int from, int to) {
    if (to <= from) return null;
    boolean[] all = new boolean[rows.length];
    for (int y = from; y < to; y++) all[y] = true;
    ColourLine a = refine(rows, from, to, leastSquares(rows, all, 1));
    ColourLine b = refine(rows, from, to, constant(median(rows, from, to)));
    return a.inliers >= b.inliers ? a : b;
  }

  private static ColourLine refine(int[] rows, int from, int to, ColourLine line) {
    for (int round = 0; round < 3; round++) {
      boolean[] keep = new boolean[rows.length];
      int kept = 0;
      for (int y = from; y < to; y++) if (Rgb.dist(rows[y], line.at(y + 0.5)) <= OUTLIER) { keep[y] = true; kept++; }
      if (kept == 0) return new ColourLine(line.a, line.b, 0);
      line = leastSquares(rows, keep, kept / (double) (to - from));
    }
    return new ColourLine(line.a, line.b, line.fit(rows, from, to, OUTLIER));
  }

  private static ColourLine constant(int c) {
    return new ColourLine(new double[] {Rgb.r(c), Rgb.g(c), Rgb.b(c)}, new double[3], 0);
  }

  private static int median(int[] rows, int from, int to) {
    int n = to - from;
    int[][] ch = new int[3][n];
    for (int i = 0; i < n; i++) {
      ch[0][i] = Rgb.r(rows[from + i]);
      ch[1][i] = Rgb.g(rows[from + i]);
      ch[2][i] = Rgb.b(rows[from + i]);
    }
    for (int[] c : ch) Arrays.sort(c);
    return Rgb.of(ch[0][n / 2], ch[1][n / 2], ch[2][n / 2]);
  }

  private static ColourLine leastSquares(int[] rows, boolean[] use, double inliers) {
    double n = 0, sx = 0, sxx = 0;
    double[] sy = new double[3], sxy = new double[3];
    for (int y = 0; y < rows.length; y++) {
      if (!use[y]) continue;
      double x = y + 0.5;
      int[] c = {Rgb.r(rows[y]), Rgb.g(rows[y]), Rgb.b(rows[y])};
      n++;
      sx += x;
      sxx += x * x;
      for (int k = 0; k < 3; k++) {
        sy[k] += c[k];
        sxy[k] += x * c[k];
      }
    }
    double[] a = new double[3], b = new double[3];
    double den = n * sxx - sx * sx;
    for (int k = 0; k < 3; k++) {
      b[k] = n < 2 || Math.abs(den) < 1e-9 ? 0 : (n * sxy[k] - sx * sy[k]) / den;
      a[k] = (sy[k] - b[k] * sx) / n;
    }
    return new ColourLine(a, b, inliers);
  }
}
