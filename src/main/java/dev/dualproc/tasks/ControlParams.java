package dev.dualproc.tasks;

import dev.dualproc.engine.DualprocException;
import java.util.*;

/**
 * Checks a preset's parameters and returns them in the agreed form (the overlay renderers and verifiers read it):
 * horizon {value: 0..1 from the top}; line-weight {value: pixels}; palette {colors: 2-6 "#RRGGBB"};
 * depth {a: [x, y], b: [x, y] as fractions, closer: "A"|"B"}; free {}. Errors name the field, e.g. {@code control.params.value}.
 */
public final class ControlParams {
  private ControlParams() {}

  public static final int MAX_LINE_WEIGHT = 64;

  public static Map<String, Object> check(String preset, Map<String, Object> params, String field) {
    Map<String, Object> in = params == null ? Map.of() : params;
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> known = switch (preset) {
      case "horizon" -> { out.put("value", number(in, "value", field, 0, 1)); yield List.of("value"); }
      case "line-weight" -> { out.put("value", integer(in, "value", field, 1, MAX_LINE_WEIGHT)); yield List.of("value"); }
      case "palette" -> { out.put("colors", colors(in, field)); yield List.of("colors"); }
      case "depth" -> {
        List<Double> a = point(in, "a", field), b = point(in, "b", field);
        if (a.equals(b)) throw new DualprocException(field + ".b: points A and B are the same point " + a);
        out.put("a", a);
        out.put("b", b);
        Object c = require(in, "closer", field);
        String closer = c instanceof String s ? s.trim().toUpperCase(Locale.ROOT).replace(" CLOSER", "") : "";
        if (!closer.equals("A") && !closer.equals("B"))
          throw new DualprocException(field + ".closer: expected \"A\" or \"B\" (or \"A closer\" / \"B closer\"), got " + show(c));
        out.put("closer", closer);
        yield List.of("a", "b", "closer");
      }
      case "free" -> List.of();
      default -> throw new DualprocException(field + ": unknown preset '" + preset + "'");
    };
    for (String k : in.keySet())
      if (!known.contains(k)) throw new DualprocException(field + "." + k + ": unknown parameter for preset " + preset
          + (known.isEmpty() ? " (it takes none)" : "; expected " + String.join(", ", known)));
    return out;
  }

  private static Object require(Map<String, Object> in, String key, String field) {
    Object v = in.get(key);
    if (v == null) throw new DualprocException(field + "." + key + ": missing");
    return v;
  }

  private static double number(Map<String, Object> in, String key, String field, double min, double max) {
    Object v = require(in, key, field);
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < min || n.doubleValue() > max)
      throw new DualprocException(field + "." + key + ": expected a number in " + fmt(min) + ".." + fmt(max) + ", got " + show(v));
    return n.doubleValue();
  }

  private static int integer(Map<String, Object> in, String key, String field, int min, int max) {
    Object v = require(in, key, field);
    boolean whole = v instanceof Integer || v instanceof Long || (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
    if (!whole || ((Number) v).doubleValue() < min || ((Number) v).doubleValue() > max)
      throw new DualprocException(field + "." + key + ": expected a whole number of pixels in " + min + ".." + max + ", got " + show(v));
    return ((Number) v).intValue();
  }

  private static List<String> colors(Map<String, Object> in, String field) {
    Object v = require(in, "colors", field);
    if (!(v instanceof List<?> list) || list.size() < 2 || list.size() > 6)
      throw new DualprocException(field + ".colors: expected a list of 2 to 6 colours, got " + show(v));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object c = list.get(i);
      if (!(c instanceof String s) || !s.trim().matches("#?[0-9a-fA-F]{6}"))
        throw new DualprocException(field + ".colors[" + i + "]: expected a colour as #RRGGBB, got " + show(c));
      String hex = s.trim().startsWith("#") ? s.trim().substring(1) : s.trim();
      out.add("#" + hex.toUpperCase(Locale.ROOT));
    }
    return out;
  }

  private static List<Double> point(Map<String, Object> in, String key, String field) {
    Object v = require(in, key, field);
    if (!(v instanceof List<?> l) || l.size() != 2)
      throw new DualprocException(field + "." + key + ": expected a point [x, y] as fractions of the width and height, got " + show(v));
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Object c = l.get(i);
      if (!(c instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1))
        throw new DualprocException(field + "." + key + "[" + i + "]: expected a fraction in 0..1, got " + show(c));
      out.add(n.doubleValue());
    }
    return List.copyOf(out);
  }

  private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d); }

  private static String show(Object v) { return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v); }
}
