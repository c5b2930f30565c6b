package dev.dualproc.tasks;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.Rgb;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the agreed control parameters (horizon {"value": 0.3}, line-weight {"value": px}, palette {"colors":
 * ["#rrggbb", ...]}, depth {"a": [x, y], "b": [x, y], "closer": "A"|"B"}) for overlays and verifiers. Numbers may come
 * as JSON numbers or numeric strings; errors name the preset and the parameter.
 */
public final class OverlayParams {
  private OverlayParams() {}

  public static Object require(Map<String, Object> p, String key, String preset) {
    Object v = p.get(key);
    if (v == null) throw new DualprocException(preset + "." + key + ": missing parameter");
    return v;
  }

  public static double number(Map<String, Object> p, String key, String preset, double min, double max) {
    Object v = require(p, key, preset);
    double d;
    if (v instanceof Number n) d = n.doubleValue();
    else {
      try {
        d = Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new DualprocException(preset + "." + key + ": expected a number, got '" + v + "'");
      }
    }
    if (!(d >= min && d <= max)) throw new DualprocException(preset + "." + key + ": expected a number in [" + min + ", " + max + "], got " + v);
    return d;
  }

  /** A point [x, y] as fractions of the width and height. */
  public static double[] point(Map<String, Object> p, String key, String preset) {
    Object v = require(p, key, preset);
    List<?> xy = v instanceof List<?> l ? l : v instanceof double[] d ? List.of(d[0], d.length > 1 ? d[1] : Double.NaN) : null;
    if (xy == null || xy.size() != 2) throw new DualprocException(preset + "." + key + ": expected [x, y] as fractions, got " + v);
    return new double[] {number(Map.of(key, xy.get(0)), key, preset, 0, 1), number(Map.of(key, xy.get(1)), key, preset, 0, 1)};
  }

  /** "A" or "B" (case and a trailing " closer" ignored). */
  public static String closer(Map<String, Object> p, String preset) {
    Object v = require(p, "closer", preset);
    String s = v.toString().trim().toUpperCase(java.util.Locale.ROOT).replace(" CLOSER", "");
    if (!s.equals("A") && !s.equals("B")) throw new DualprocException(preset + ".closer: expected \"A\" or \"B\", got '" + v + "'");
    return s;
  }

  /** 2 to 6 colours as "#RRGGBB" (the # optional). */
  public static List<Integer> colours(Map<String, Object> p, String preset) {
    Object v = require(p, "colors", preset);
    if (!(v instanceof List<?> list) || list.size() < 2 || list.size() > 6)
      throw new DualprocException(preset + ".colors: expected a list of 2 to 6 colours as \"#RRGGBB\", got " + v);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      try {
        out.add(Rgb.parseHex(String.valueOf(list.get(i))));
      } catch (IllegalArgumentException e) {
        throw new DualprocException(preset + ".colors[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }
}
