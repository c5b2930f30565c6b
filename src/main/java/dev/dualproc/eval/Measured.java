package dev.dualproc.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds a verdict's measurements, always starting with the validity check so every verdict explains itself. */
final class Measured {
  private Measured() {}

  static Map<String, Object> of(SceneAnalysis a) {
    Map<String, Object> m = new LinkedHashMap<>();
    Validity v = a.validity;
    m.put("valid", v.valid());
    m.put("validity", v.reason());
    m.put("skyFraction", round(v.skyFraction()));
    m.put("groundFraction", round(v.groundFraction()));
    m.put("worstRow", round(v.worstRow()));
    m.put("horizonRow", round(a.horizon.boundary()));
    return m;
  }

  static double round(double v) { return Math.round(v * 1000) / 1000.0; }
}
