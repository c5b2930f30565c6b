package dev.dualproc.eval;

import java.awt.image.BufferedImage;
import java.util.Map;

/** The horizon is at `target` (fraction of the height from the top), within 3 px at 64 px (scaled with the size). */
public record HorizonVerifier(double target) implements Verifier {
  public static final double TOLERANCE_AT_64 = 3;

  public HorizonVerifier {
    if (!(target >= 0 && target <= 1)) throw new IllegalArgumentException("horizon target must be in [0, 1], got " + target);
  }

  @Override public Verdict judge(BufferedImage image) { return judge(SceneAnalysis.of(image)); }

  public Verdict judge(SceneAnalysis a) {
    double tolerance = TOLERANCE_AT_64 * a.unit;
    double error = a.horizon.boundary() - target * a.height;
    Map<String, Object> m = Measured.of(a);
    m.put("horizonFraction", Measured.round(a.horizonFraction()));
    m.put("target", target);
    m.put("errorPx", Measured.round(error));
    m.put("tolerancePx", Measured.round(tolerance));
    return new Verdict(Math.abs(error) <= tolerance, a.validity.valid(), m);
  }
}
