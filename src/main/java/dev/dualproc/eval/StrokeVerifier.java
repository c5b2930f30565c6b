package dev.dualproc.eval;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * The drawing's outlines are `target` pixels thick (at the image's size). The weight is the most common value, over
 * outline pixels, of the shorter of the horizontal and vertical runs of outline through the pixel: exactly the
 * stroke on straight lines (the horizon line, box edges), whatever else curves and corners add.
 */
public record StrokeVerifier(double target) implements Verifier {
  public StrokeVerifier {
    if (!(target > 0)) throw new IllegalArgumentException("line-weight target must be positive pixels, got " + target);
  }

  @Override public Verdict judge(BufferedImage image) { return judge(SceneAnalysis.of(image)); }

  public Verdict judge(SceneAnalysis a) {
    int weight = measure(a);
    double tolerance = Math.max(0.5, 0.15 * target);
    Map<String, Object> m = Measured.of(a);
    m.put("strokeWeight", weight);
    m.put("target", target);
    return new Verdict(weight > 0 && Math.abs(weight - target) <= tolerance, a.validity.valid(), m);
  }

  /** The stroke weight in pixels, or 0 when there are too few outline pixels to call it a drawing. */
  public static int measure(SceneAnalysis a) {
    int w = a.width, h = a.height;
    boolean[] ink = new boolean[w * h];
    int count = 0;
    for (int i = 0; i < ink.length; i++) if (a.cls[i] == PixelClass.OUTLINE) { ink[i] = true; count++; }
    if (count < w / 2) return 0;
    int[] hrun = new int[w * h], vrun = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; ) {
        if (!ink[y * w + x]) { x++; continue; }
        int e = x;
        while (e < w && ink[y * w + e]) e++;
        for (int k = x; k < e; k++) hrun[y * w + k] = e - x;
        x = e;
      }
    }
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; ) {
        if (!ink[y * w + x]) { y++; continue; }
        int e = y;
        while (e < h && ink[e * w + x]) e++;
        for (int k = y; k < e; k++) vrun[k * w + x] = e - y;
        y = e;
      }
    }
    int[] hist = new int[Math.max(w, h) + 1];
    for (int i = 0; i < ink.length; i++) if (ink[i]) hist[Math.min(hrun[i], vrun[i])]++;
    int best = 0;
    for (int v = 1; v < hist.length; v++) if (hist[v] > hist[best]) best = v;
    return best;
  }
}
