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
public record LayoutCode(double[] u, TokenPlaces places) {
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

  /** A code whose objects stand where its global uniforms say (no token places). */
  public LayoutCode(double[] u) { this(u, null); }

  /**
   * Where objects stand when the code is local ({@code --local-object-codes}): for each object j below {@link #OBJECTS},
   * a score per token of the noise's grid and the place inside each token (uniforms across and down). Object j stands
   * on the best-scoring token where it fits, so a token reads from its own noise whether an object stands on it.
   */
  public record TokenPlaces(int rows, int cols, double[][] score, double[][] across, double[][] down) {
    /** Object j's packed features: its score, then its place across and down inside the token (after the 13 global slots). */
    public static final int FIRST_FEATURE = SLOTS, FEATURES_PER_OBJECT = 3;
    /** Packed features a latent needs for local object codes: the global slots, then each object's three. */
    public static final int FEATURES = FIRST_FEATURE + OBJECTS * FEATURES_PER_OBJECT;

    /** Object j's tokens (row-major indices), best score first. */
    public int[] order(int j) {
      double[] sc = score[j];
      return java.util.stream.IntStream.range(0, sc.length).boxed().sorted((a, b) -> Double.compare(sc[b], sc[a])).mapToInt(Integer::intValue).toArray();
    }
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
  public static LayoutCode fromNoise(float[] noise, int channels, int height, int width) { return fromNoise(noise, channels, height, width, false); }

  /**
   * As {@link #fromNoise(float[], int, int, int)}; with {@code local}, the objects' places come from the tokens
   * ({@link TokenPlaces}): object j's score is packed feature 13 + 3j of each token, its place inside the token the
   * normal CDF of features 14 + 3j (across) and 15 + 3j (down). The best of 64 independent scores is equally likely at
   * every token, and the CDF of an N(0, 1) value is uniform, so the place is spread over the frame as before.
   */
  public static LayoutCode fromNoise(float[] noise, int channels, int height, int width, boolean local) {
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
    if (!local) return new LayoutCode(u);
    int per = TokenPlaces.FEATURES_PER_OBJECT;
    if (channels * 4 < TokenPlaces.FEATURES) throw new IllegalArgumentException("a " + channels + "-channel latent packs " + channels * 4 + " features; local object codes need " + TokenPlaces.FEATURES);
    int rows = height / 2, cols = width / 2;
    double[][][] maps = new double[per][OBJECTS][tokens];
    for (int j = 0; j < OBJECTS; j++)
      for (int f = 0; f < per; f++) {
        int k = TokenPlaces.FIRST_FEATURE + per * j + f, c = k / 4, sr = (k / 2) % 2, sc = k % 2;
        for (int ty = 0; ty < rows; ty++)
          for (int tx = 0; tx < cols; tx++) {
            double z = noise[(c * height + 2 * ty + sr) * width + 2 * tx + sc];
            maps[f][j][ty * cols + tx] = f == 0 ? z : Math.min(Math.nextDown(1.0), normalCdf(z));
          }
      }
    return new LayoutCode(u, new TokenPlaces(rows, cols, maps[0], maps[1], maps[2]));
  }

  /** The standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
  static double normalCdf(double z) { return 0.5 * erfc(-z / Math.sqrt(2)); }

  private static double erfc(double x) {
    double z = Math.abs(x), t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  @Override public boolean equals(Object o) {
    return o instanceof LayoutCode c && Arrays.equals(u, c.u) && (places == null ? c.places == null : c.places != null
        && Arrays.deepEquals(places.score(), c.places.score()) && Arrays.deepEquals(places.across(), c.places.across()) && Arrays.deepEquals(places.down(), c.places.down()));
  }

  @Override public int hashCode() { return Arrays.hashCode(u) * 31 + (places == null ? 0 : Arrays.deepHashCode(places.score())); }

  @Override public String toString() { return "LayoutCode" + Arrays.toString(u); }
}
