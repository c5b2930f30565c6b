package dev.dualproc.world;

import java.util.List;

/**
 * Everything the renderer knows about one image. timeOfDay and ground are null in palette scenes (their sky and
 * ground take palette colours instead); palette is null otherwise, and lists the sky colour, the ground colour, then
 * the object and sun colours. strokeWeight is in pixels at this image's size (0 for photos). depth[y][x]: ground
 * 0.25 / ((y + 0.5 - horizonRow) / height), objects the depth of their base, sky {@link #SKY_DEPTH}.
 */
public record SceneTruth(long seed, int width, int height, double horizonRow, TimeOfDay timeOfDay, Ground ground,
                         Style style, int strokeWeight, List<NamedColour> palette, List<SceneObject> objects,
                         Celestial celestial, float[][] depth) {
  public static final float SKY_DEPTH = 1.0e4f;

  public double horizonFraction() { return horizonRow / height; }

  /** The first pixel row that is ground: pixel centres below the horizon. */
  public int firstGroundRow() { return Canvas.firstAtOrAfter(horizonRow); }

  public boolean drawing() { return style == Style.DRAWING; }

  public boolean hasPalette() { return palette != null; }

  /** The depth map at a point given as fractions of the width and height. */
  public float depthAt(double fx, double fy) {
    return depth[Math.min(height - 1, (int) (fy * height))][Math.min(width - 1, (int) (fx * width))];
  }

  /**
   * Two points (x, y fractions: ax, ay, bx, by) whose true depths differ by a factor of at least 1.25, neither within
   * 2 px (at 64) of the horizon, where which side a pixel is on is a matter of rounding; null if 50 tries find none.
   */
  public double[] depthPair(java.util.SplittableRandom rng) {
    return SceneFacts.depthPair(rng, width, height, horizonRow, this::depthAt);
  }

  public static float groundDepth(double rowCentre, double horizonRow, int height) {
    double below = (rowCentre - horizonRow) / height;
    return below <= 0 ? SKY_DEPTH : (float) Math.min(SKY_DEPTH, 0.25 / below);
  }
}
