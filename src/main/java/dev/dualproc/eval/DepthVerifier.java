package dev.dualproc.eval;

import dev.dualproc.world.SceneTruth;
import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Point `closer` ("A" or "B") is nearer the camera than the other. Depth is analytic from the ground plane: a point on
 * an object has the depth of the object's base row, a ground point that of its own row, both from the detected
 * horizon (0.25 / ((row - horizon) / height), as the renderer's depth map); the sky is infinitely far.
 * Points are fractions of width and height.
 */
public record DepthVerifier(double ax, double ay, double bx, double by, String closer) implements Verifier {
  public DepthVerifier {
    for (double v : new double[] {ax, ay, bx, by})
      if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("depth points must be fractions in [0, 1], got " + v);
    if (!"A".equals(closer) && !"B".equals(closer))
      throw new IllegalArgumentException("depth 'closer' must be \"A\" or \"B\", got " + closer);
  }

  @Override public Verdict judge(BufferedImage image) { return judge(SceneAnalysis.of(image)); }

  public Verdict judge(SceneAnalysis a) {
    float da = depthAt(a, ax, ay), db = depthAt(a, bx, by);
    String measured = da < db ? "A" : db < da ? "B" : "tie";
    Map<String, Object> m = Measured.of(a);
    m.put("depthA", Measured.round(da));
    m.put("depthB", Measured.round(db));
    m.put("closer", measured);
    m.put("target", closer);
    return new Verdict(measured.equals(closer), a.validity.valid(), m);
  }

  /** Depth at a point given as fractions of the image size. */
  public static float depthAt(SceneAnalysis a, double fx, double fy) {
    int x = Math.min(a.width - 1, (int) Math.floor(fx * a.width)), y = Math.min(a.height - 1, (int) Math.floor(fy * a.height));
    DetectedObject o = objectAt(a, x, y);
    if (o == null && a.cls[y * a.width + x] == PixelClass.OUTLINE) o = objectNear(a, x, y, (int) Math.ceil(4 * a.unit));
    double row = o != null ? o.baseRow() : y + 0.5;
    return SceneTruth.groundDepth(row, a.horizon.boundary(), a.height);
  }

  private static DetectedObject objectAt(SceneAnalysis a, int x, int y) {
    int id = a.components.label[y * a.width + x];
    if (id < 0) return null;
    for (DetectedObject o : a.objects) if (o.components().contains(id)) return o;
    return null;
  }

  private static DetectedObject objectNear(SceneAnalysis a, int x, int y, int radius) {
    DetectedObject best = null;
    int bestD = Integer.MAX_VALUE;
    for (int dy = -radius; dy <= radius; dy++) {
      for (int dx = -radius; dx <= radius; dx++) {
        int px = x + dx, py = y + dy;
        if (px < 0 || py < 0 || px >= a.width || py >= a.height) continue;
        DetectedObject o = objectAt(a, px, py);
        int d = dx * dx + dy * dy;
        if (o != null && d < bestD) { bestD = d; best = o; }
      }
    }
    return best;
  }
}
