package dev.dualproc.eval;

import dev.dualproc.world.Kind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Names objects from colour components by their layout: a coloured region with a wooden part below is a tree's
 * crown, with a wooden part above (roof) or a wooden door at its bottom a house, with legs below a person, with tyres
 * below a car; otherwise a wide dome is a rock and a round blob a ball. Regions entirely above the horizon with no
 * parts are lights in the sky (sun, moon, a palette's sun), not objects.
 */
final class ObjectDetector {
  private ObjectDetector() {}

  static final double MAX_WIDTH = 0.6;

  record Result(List<DetectedObject> objects, List<Integer> lights) {}

  static Result detect(Components comps, double horizon, double unit, int width) {
    List<DetectedObject> objects = new ArrayList<>();
    List<Integer> lights = new ArrayList<>();
    int minArea = (int) Math.ceil(6 * unit * unit);
    for (Component c : comps.list) {
      if (c.cls().isLight() && c.y1() <= horizon + 1) { lights.add(c.id()); continue; }
      // no object spans more than 45% of a row (the renderer's cover limit): a wider region is paint, whatever touches it
      if (!c.cls().isObjectColour() || c.area() < minArea || c.width() > MAX_WIDTH * width) continue;
      Map<Kind, Integer> votes = new EnumMap<>(Kind.class);
      Map<Kind, List<Integer>> parts = new EnumMap<>(Kind.class);
      for (int n : comps.neighbours.get(c.id())) {
        Component p = comps.list.get(n);
        if (p.width() > MAX_WIDTH * width) continue;
        Kind k = partOf(c, p);
        if (k == null) continue;
        votes.merge(k, p.cls() == PixelClass.SKIN ? 1 : 2, Integer::sum);
        parts.computeIfAbsent(k, x -> new ArrayList<>()).add(n);
      }
      Kind kind = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
      if (kind == null) {
        if (c.y1() <= horizon + 1) {
          if (round(c) && c.area() <= 100 * unit * unit) lights.add(c.id());
          continue;
        }
        kind = byShape(c, width);
        if (kind == null) continue;
      }
      List<Integer> ids = new ArrayList<>();
      ids.add(c.id());
      int x0 = c.x0(), y0 = c.y0(), x1 = c.x1(), y1 = c.y1();
      for (int n : parts.getOrDefault(kind, List.of())) {
        Component p = comps.list.get(n);
        ids.add(n);
        x0 = Math.min(x0, p.x0());
        y0 = Math.min(y0, p.y0());
        x1 = Math.max(x1, p.x1());
        y1 = Math.max(y1, p.y1());
      }
      objects.add(new DetectedObject(kind, c.cls().colour, x0, y0, x1, y1, List.copyOf(ids)));
    }
    return new Result(objects, lights);
  }

  /** Which kind a touching part p makes of the coloured region c, or null when p says nothing. */
  private static Kind partOf(Component c, Component p) {
    double h = c.height(), w = c.width(), offset = Math.abs(p.cx() - c.cx());
    return switch (p.cls()) {
      case WOOD -> {
        boolean trunk = p.y0() >= c.y0() + 0.5 * h && p.y1() > c.y1() + 1 && p.width() <= 0.75 * w && offset <= 0.25 * w;
        boolean roof = p.y1() <= c.y0() + 0.3 * h + 1 && p.width() >= 0.8 * w && offset <= 0.2 * w;
        boolean door = p.y1() <= c.y1() + 1 && p.cy() > c.cy() && p.x0() >= c.x0() && p.x1() <= c.x1();
        yield trunk ? Kind.TREE : roof || door ? Kind.HOUSE : null;
      }
      case LEGS -> p.y0() >= c.y1() - 2 && offset <= 0.3 * w ? Kind.PERSON : null;
      case SKIN -> p.y1() <= c.y0() + 2 && offset <= 0.3 * w ? Kind.PERSON : null;
      case TYRE -> p.cy() > c.cy() && p.cx() >= c.x0() && p.cx() <= c.x1() ? Kind.CAR : null;
      default -> null;
    };
  }

  /**
   * A region without parts: a wide dome is a rock, a round one a ball (both fill about pi/4 of their box); anything
   * else (a band, a block, a sliver) is not an object.
   */
  private static Kind byShape(Component c, int width) {
    double aspect = c.width() / (double) c.height();
    if (!roundish(c)) return null;
    if (aspect >= 1.5 && aspect <= 3.2) return Kind.ROCK;
    if (aspect >= 0.7 && aspect < 1.5) return Kind.BALL;
    return null;
  }

  private static boolean roundish(Component c) {
    double fill = c.area() / (double) (c.width() * c.height());
    return fill >= 0.6 && fill <= 0.92;
  }

  private static boolean round(Component c) {
    double aspect = c.width() / (double) c.height();
    return roundish(c) && aspect >= 0.75 && aspect <= 1.33;
  }
}
