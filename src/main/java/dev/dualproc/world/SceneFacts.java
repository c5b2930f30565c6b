package dev.dualproc.world;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What VQA questions are asked about: a rendered scene's truth ({@link #of(SceneTruth)}) or what the verifiers measure
 * on a generated image (critic.GeneratedVqa), so both kinds of image share one question writer ({@link VqaQuestions}).
 * timeOfDay is null when unknown (palette scenes, measured images); palette (RGB) is null when the image has none;
 * strokeWeight is 0 for a photo.
 */
public record SceneFacts(int width, int height, double horizonRow, TimeOfDay timeOfDay, List<Integer> palette,
                         int strokeWeight, List<Thing> objects, DepthField depth) {

  /** One object: its kind, colour and centre column (pixels). */
  public record Thing(Kind kind, NamedColour colour, double centreX) {}

  /** Depth at a point given as fractions of the width and height (sky: {@link SceneTruth#SKY_DEPTH}). */
  @FunctionalInterface public interface DepthField { float at(double fx, double fy); }

  public SceneFacts {
    palette = palette == null ? null : List.copyOf(palette);
    objects = List.copyOf(objects);
  }

  public static SceneFacts of(SceneTruth t) {
    List<Integer> palette = t.hasPalette() ? t.palette().stream().map(c -> c.rgb).toList() : null;
    List<Thing> things = t.objects().stream().map(o -> new Thing(o.kind(), o.colour(), o.centreX())).toList();
    return new SceneFacts(t.width(), t.height(), t.horizonRow(), t.timeOfDay(), palette, t.drawing() ? t.strokeWeight() : 0,
        things, t::depthAt);
  }

  public boolean drawing() { return strokeWeight > 0; }

  public boolean hasPalette() { return palette != null; }

  public double horizonFraction() { return horizonRow / height; }

  /** See {@link #depthPair(SplittableRandom, int, int, double, DepthField)}. */
  public double[] depthPair(SplittableRandom rng) { return depthPair(rng, width, height, horizonRow, depth); }

  /**
   * Two points (x, y fractions: ax, ay, bx, by) whose depths differ by a factor of at least 1.25, neither within
   * 2 px (at 64) of the horizon, where which side a pixel is on is a matter of rounding; null if 50 tries find none.
   */
  public static double[] depthPair(SplittableRandom rng, int width, int height, double horizonRow, DepthField depth) {
    double margin = 2.0 * Math.min(width, height) / 64 / height, horizon = horizonRow / height;
    for (int attempt = 0; attempt < 50; attempt++) {
      double[] p = {rng.nextDouble(), rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
      if (Math.abs(p[1] - horizon) < margin || Math.abs(p[3] - horizon) < margin) continue;
      float da = depth.at(p[0], p[1]), db = depth.at(p[2], p[3]);
      if (Math.max(da, db) >= 1.25 * Math.min(da, db)) return p;
    }
    return null;
  }
}
