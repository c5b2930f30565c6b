package dev.dualproc.world.critic;

import java.util.List;

/**
 * A linear yes/no probe: features standardised on the training set, then ridge regression onto +-1 (a closed form, so
 * a diagnostic needs no optimiser), read as yes where the score is positive.
 */
record RidgeProbe(double[] mean, double[] scale, double[] w) {

  static RidgeProbe fit(List<float[]> x, List<Boolean> y, double ridge) {
    int n = x.size();
    if (n == 0 || n != y.size()) throw new IllegalArgumentException("a probe needs matching, non-empty samples and labels, got " + n + " and " + y.size());
    int d = x.get(0).length;
    double[] mean = new double[d], scale = new double[d];
    for (float[] r : x) for (int j = 0; j < d; j++) mean[j] += r[j] / (double) n;
    for (float[] r : x) for (int j = 0; j < d; j++) scale[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
    for (int j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) + 1e-6;
    int k = d + 1; // the last column is the bias
    double[][] a = new double[k][k];
    double[] b = new double[k];
    double[] z = new double[k];
    for (int i = 0; i < n; i++) {
      float[] r = x.get(i);
      for (int j = 0; j < d; j++) z[j] = (r[j] - mean[j]) / scale[j];
      z[d] = 1;
      double t = y.get(i) ? 1 : -1;
      for (int p = 0; p < k; p++) {
        b[p] += z[p] * t;
        for (int q = p; q < k; q++) a[p][q] += z[p] * z[q];
      }
    }
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < p; q++) a[p][q] = a[q][p];
      a[p][p] += ridge * n;
    }
    return new RidgeProbe(mean, scale, solve(a, b));
  }

  /** Share of samples whose sign of the score matches the label. */
  double accuracy(List<float[]> x, List<Boolean> y) {
    int ok = 0;
    for (int i = 0; i < x.size(); i++) if ((score(x.get(i)) > 0) == y.get(i)) ok++;
    return x.isEmpty() ? Double.NaN : ok / (double) x.size();
  }

  double score(float[] r) {
    int d = mean.length;
    double s = w[d];
    for (int j = 0; j < d; j++) s += w[j] * (r[j] - mean[j]) / scale[j];
    return s;
  }

  /** Cholesky solve of a symmetric positive-definite system (the ridge term makes it so). */
  private static double[] solve(double[][] a, double[] b) {
    int k = b.length;
    double[][] l = new double[k][k];
    for (int i = 0; i < k; i++)
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int m = 0; m < j; m++) s -= l[i][m] * l[j][m];
        l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
      }
    double[] z = new double[k];
    for (int i = 0; i < k; i++) {
      double s = b[i];
      for (int m = 0; m < i; m++) s -= l[i][m] * z[m];
      z[i] = s / l[i][i];
    }
    double[] w = new double[k];
    for (int i = k - 1; i >= 0; i--) {
      double s = z[i];
      for (int m = i + 1; m < k; m++) s -= l[m][i] * w[m];
      w[i] = s / l[i][i];
    }
    return w;
  }
}
