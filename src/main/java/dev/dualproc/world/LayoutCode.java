package dev.dualproc.world;

import java.util.Arrays;

/**
 * The uniforms in [0, 1) that choose a scene's free layout, what its caption leaves open: the horizon row, a drawing's
 * stroke weight, a palette's sky and soil colours, where each object stands (its first placement try), the sun's or
 * moon's place and a palette's extra colour. Given to the renderer ({@link SceneRenderer.Options#code()}) in place of
 * those draws of its random stream; every other draw, and a failed try's retry, still comes from the seed.
 *
 * <p>{@link #fromNoise} reads the code from a flow's noise, so a generator trained on such pairs learns a map from
 * noise to one scene instead of the average of all scenes its caption allows (the average of objects at every place is
 * a blob). The noise keeps its N(0, I) law and the scenes keep the renderer's, so sampling is unchanged.
 */
public record LayoutCode(double[] u) {
  public static final int HORIZON = 0, STROKE = 1, PALETTE_SKY = 2, PALETTE_SOIL = 3;
  /** Object j's base row is slot OBJECT_BASE + 2j, its centre column OBJECT_X + 2j, for j below {@link #OBJECTS}. */
  public static final int OBJECT_BASE = 4, OBJECT_X = 5, OBJECTS = 3;
  public static final int CELESTIAL_COLOUR = 10, CELESTIAL_X = 11, CELESTIAL_Y = 12;
  public static final int SLOTS = 13;

  public LayoutCode {
    if (u == null || u.length < SLOTS) throw new IllegalArgumentException("a layout code needs " + SLOTS + " uniforms, got " + (u == null ? "none" : u.length));
    for (double v : u) if (!(v >= 0 && v < 1)) throw new IllegalArgumentException("layout code uniforms must lie in [0, 1), got " + v);
    u = u.clone();
  }

  public double at(int slot) { return u[slot]; }

  /** The slot's uniform as an index below n. */
  public int index(int slot, int n) { return Math.min(n - 1, (int) (u[slot] * n)); }

  /**
   * Object j's column uniform: the first {@code count} objects' column uniforms in ascending order, so objects are
   * placed from left to right, the order in which the caption names them.
   */
  public double objectX(int j, int count) {
    double[] xs = new double[count];
    for (int i = 0; i < count; i++) xs[i] = u[OBJECT_X + 2 * i];
    Arrays.sort(xs);
    return xs[j];
  }

  /**
   * The code of one item's latent noise [channels, height, width] (row-major, even height and width): slot k is the
   * standard normal CDF of the mean of FLUX's packed feature k (channel k / 4, sub-row (k / 2) % 2, sub-column k % 2)
   * over all tokens, times the square root of the token count, which is exactly N(0, 1) for N(0, I) noise.
   */
  public static LayoutCode fromNoise(float[] noise, int channels, int height, int width) {
    if (height % 2 != 0 || width % 2 != 0 || noise.length != channels * height * width)
      throw new IllegalArgumentException("noise of " + noise.length + " values is not a [" + channels + ", " + height + ", " + width + "] latent with even sides");
    if (channels * 4 < SLOTS) throw new IllegalArgumentException("a " + channels + "-channel latent packs " + channels * 4 + " features; the layout code needs " + SLOTS);
    int tokens = height / 2 * (width / 2);
    double[] sums = new double[channels * 4];
    for (int c = 0; c < channels; c++)
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) sums[c * 4 + (y % 2) * 2 + x % 2] += noise[(c * height + y) * width + x];
    double[] u = new double[sums.length];
    for (int k = 0; k < u.length; k++) u[k] = Math.min(Math.nextDown(1.0), normalCdf(sums[k] / Math.sqrt(tokens)));
    return new LayoutCode(u);
  }

  /** The standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
  static double normalCdf(double z) { return 0.5 * erfc(-z / Math.sqrt(2)); }

  private static double erfc(double x) {
    double z = Math.abs(x), t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  @Override public boolean equals(Object o) { return o instanceof LayoutCode c && Arrays.equals(u, c.u); }

  @Override public int hashCode() { return Arrays.hashCode(u); }

  @Override public String toString() { return "LayoutCode" + Arrays.toString(u); }
}
