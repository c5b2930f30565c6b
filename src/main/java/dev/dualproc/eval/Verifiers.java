package dev.dualproc.eval;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.Rgb;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Verifiers by control preset. */
public final class Verifiers {
  private Verifiers() {}

  /** The presets that have a verifier ("objects" checks the prompt's objects; it takes no params). */
  public static final List<String> PRESETS = List.of("horizon", "line-weight", "palette", "depth", "objects");

  /** The verifier for a control preset, or empty when none exists. params: horizon {"value": 0.3};
   *  line-weight {"value": 3} (px at the image's size); palette {"colors": ["#RRGGBB", ...]};
   *  depth {"a": [x, y], "b": [x, y], "closer": "A"|"B"} (fractions); prompt = the caption used. */
  public static Optional<Verifier> forControl(String preset, Map<String, Object> params, String prompt) {
    Map<String, Object> p = params == null ? Map.of() : params;
    try {
      return Optional.ofNullable(switch (preset == null ? "" : preset) {
        case "horizon" -> new HorizonVerifier(number(p, "value"));
        case "line-weight" -> new StrokeVerifier(number(p, "value"));
        case "palette" -> new PaletteVerifier(colours(p));
        case "depth" -> {
          double[] a = point(p, "a"), b = point(p, "b");
          yield new DepthVerifier(a[0], a[1], b[0], b[1], String.valueOf(require(p, "closer")).trim().toUpperCase(java.util.Locale.ROOT));
        }
        case "objects" -> ObjectsVerifier.forCaption(prompt);
        default -> null;
      });
    } catch (IllegalArgumentException e) {
      throw new DualprocException("control '" + preset + "': " + e.getMessage(), e);
    }
  }

  private static Object require(Map<String, Object> p, String key) {
    Object v = p.get(key);
    if (v == null) throw new IllegalArgumentException("missing param '" + key + "'");
    return v;
  }

  private static double number(Map<String, Object> p, String key) {
    Object v = require(p, key);
    if (v instanceof Number n) return n.doubleValue();
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("param '" + key + "' must be a number, got '" + v + "'");
    }
  }

  private static double[] point(Map<String, Object> p, String key) {
    Object v = require(p, key);
    List<?> xy = v instanceof List<?> l ? l : v instanceof double[] d ? List.of(d[0], d.length > 1 ? d[1] : Double.NaN) : null;
    if (xy == null || xy.size() != 2) throw new IllegalArgumentException("param '" + key + "' must be [x, y] fractions, got " + v);
    double[] out = new double[2];
    for (int i = 0; i < 2; i++) out[i] = number(Map.of(key, xy.get(i)), key);
    return out;
  }

  private static List<Integer> colours(Map<String, Object> p) {
    Object v = require(p, "colors");
    if (!(v instanceof List<?> list)) throw new IllegalArgumentException("param 'colors' must be a list of \"#RRGGBB\", got " + v);
    List<Integer> out = new ArrayList<>();
    for (Object o : list) out.add(Rgb.parseHex(String.valueOf(o)));
    return out;
  }
}
