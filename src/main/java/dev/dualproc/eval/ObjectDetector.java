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
        if (p.width() > MAX_WIDTH * width || sliver(p, c, unit)) continue;
        Kind k = partOf(c, p);
        if (k == null) continue;
        votes.merge(k, p.cls() == PixelClass.SKIN ? 1 : 2, Integer::sum);
        parts.computeIfAbsent(k, x -> new ArrayList<>()).add(n);
      }
      // a car stands on two tyres, one each side of its middle; one dark blob below is a softened outline
      if (votes.containsKey(Kind.CAR) && !twoTyres(c, parts.get(Kind.CAR), comps)) votes.remove(Kind.CAR);
      Kind kind = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
      // softened, a car's tyres merge with its outline; the two notches they cut in the body's lower edge remain
      if (kind == null && c.y1() > horizon + 1 && twoNotches(c, comps, width, unit)) kind = Kind.CAR;
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
   * Whether the lower edge of c shows two notches: along the columns, the lowest pixel of c rises by at least a
   * quarter of its height in two separate runs that touch neither side (a ball or a crown rises only at its sides; a
   * house's door cuts one notch; a rock's base is flat).
   */
  static boolean twoNotches(Component c, Components comps, int width, double unit) {
    int n = c.width();
    int[] lowest = new int[n];
    java.util.Arrays.fill(lowest, -1);
    for (int y = c.y0(); y < c.y1(); y++)
      for (int x = c.x0(); x < c.x1(); x++)
        if (comps.label[y * width + x] == c.id()) lowest[x - c.x0()] = y;
    int base = c.y1() - 1;
    double depth = Math.max(unit, 0.25 * c.height());
    int runs = 0;
    boolean inRun = false, touchesSide = false;
    for (int i = 0; i < n; i++) {
      boolean dip = lowest[i] < 0 || lowest[i] <= base - depth;
      if (dip && !inRun) { inRun = true; touchesSide = i == 0; }
      if (!dip && inRun) { inRun = false; if (!touchesSide) runs++; }
    }
    return runs == 2; // a run still open at the end touches the right side and is not counted
  }

  private static boolean twoTyres(Component c, List<Integer> tyres, Components comps) {
    boolean left = false, right = false;
    for (int id : tyres) {
      Component t = comps.list.get(id);
      // tyres overlap the body's lower edge (outline pieces under a crown or ball only start below it)
      if (t.width() > 0.6 * c.width() || t.y0() >= c.y1() || t.y1() <= c.y1()) continue;
      left |= t.cx() < c.cx();
      right |= t.cx() > c.cx();
    }
    return left && right;
  }

  /** A thin rim or a speck where colours blend (soft edges), too small or too hollow to be a part of c. */
  private static boolean sliver(Component p, Component c, double unit) {
    double fill = p.area() / (double) (p.width() * p.height());
    double thickness = p.area() / (double) Math.max(p.width(), p.height()); // a rim is long and thin, a part is not
    return p.area() < 2 * unit * unit || fill < 0.4 || thickness < (p.cls() == PixelClass.WOOD ? 0.8 : 1.2) * unit;
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
    return fill >= 0.6 && fill <= 0.95; // a small disc on the pixel grid fills up to ~0.94 of its box; a block fills 1
  }

  private static boolean round(Component c) {
    double aspect = c.width() / (double) c.height();
    return roundish(c) && aspect >= 0.75 && aspect <= 1.33;
  }
}
