package dev.dualproc.model.text;

import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;

/** Loops over float arrays, in double precision: the reference the tensor code is checked against. */
final class PlainMath {
  private PlainMath() {}

  /** A weight matrix [rows][cols] read from a checkpoint. */
  static double[][] matrix(TensorSource src, String name) {
    long[] s = src.shape(name);
    float[] f = Tensors.floats(src.load(name));
    int cols = s.length == 1 ? (int) s[0] : (int) s[1], rows = s.length == 1 ? 1 : (int) s[0];
    double[][] m = new double[rows][cols];
    for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) m[r][c] = f[r * cols + c];
    return m;
  }

  static double[] vector(TensorSource src, String name) { return matrix(src, name)[0]; }

  /** x [L][in] times W^T for W [out][in], plus b when given: a Linear. */
  static double[][] linear(double[][] x, double[][] w, double[] b) {
    double[][] y = new double[x.length][w.length];
    for (int i = 0; i < x.length; i++)
      for (int o = 0; o < w.length; o++) {
        double s = b == null ? 0 : b[o];
        for (int k = 0; k < w[o].length; k++) s += x[i][k] * w[o][k];
        y[i][o] = s;
      }
    return y;
  }

  static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][];
    for (int i = 0; i < a.length; i++) { y[i] = a[i].clone(); for (int j = 0; j < y[i].length; j++) y[i][j] += b[i][j]; }
    return y;
  }

  static double[][] mul(double[][] a, double[][] b) {
    double[][] y = new double[a.length][];
    for (int i = 0; i < a.length; i++) { y[i] = a[i].clone(); for (int j = 0; j < y[i].length; j++) y[i][j] *= b[i][j]; }
    return y;
  }

  static double[][] map(double[][] a, java.util.function.DoubleUnaryOperator f) {
    double[][] y = new double[a.length][];
    for (int i = 0; i < a.length; i++) { y[i] = new double[a[i].length]; for (int j = 0; j < y[i].length; j++) y[i][j] = f.applyAsDouble(a[i][j]); }
    return y;
  }

  /** Rows of a table: an embedding lookup. */
  static double[][] rows(double[][] table, long[] ids) {
    double[][] y = new double[ids.length][];
    for (int i = 0; i < ids.length; i++) y[i] = table[(int) ids[i]].clone();
    return y;
  }

  /** Multi-head attention; bias[h][i][j] is added to the scores (null for none), scale multiplies q.k. */
  static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, double scale, double[][][] bias) {
    int L = q.length, d = q[0].length / heads;
    double[][] out = new double[L][q[0].length];
    for (int h = 0; h < heads; h++)
      for (int i = 0; i < L; i++) {
        double[] s = new double[L];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < L; j++) {
          double dot = 0;
          for (int c = 0; c < d; c++) dot += q[i][h * d + c] * k[j][h * d + c];
          s[j] = dot * scale + (bias == null ? 0 : bias[h][i][j]);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < L; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
        for (int j = 0; j < L; j++)
          for (int c = 0; c < d; c++) out[i][h * d + c] += s[j] / sum * v[j][h * d + c];
      }
    return out;
  }

  static double maxRelativeError(float[] actual, double[][] expected) {
    double num = 0, den = 0;
    int n = 0;
    for (double[] row : expected)
      for (double e : row) { num = Math.max(num, Math.abs(actual[n++] - e)); den = Math.max(den, Math.abs(e)); }
    if (n != actual.length) throw new AssertionError(actual.length + " values, expected " + n);
    return num / den;
  }
}
