package dev.dualproc.eval;

import dev.dualproc.world.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds objects among the colour components: each coloured region that could be an object is named by the kind
 * network ({@link KindNet}, from a crop around it with its parts in view), or left out when it says none; its parts
 * (a trunk, a roof or door, a head and legs, tyres: the touching components that fit the named kind) join its box.
 * Regions entirely above the horizon that the network does not name are lights in the sky when round (a palette's
 * sun).
 */
final class ObjectDetector {
  private ObjectDetector() {}

  static final double MAX_WIDTH = 0.6;

  record Result(List<DetectedObject> objects, List<Integer> lights) {}

  static Result detect(int[] px, Components comps, int width, int height, double horizon, double unit, KindNet net) {
    List<DetectedObject> objects = new ArrayList<>();
    List<Integer> lights = new ArrayList<>();
    for (Component c : comps.list) {
      if (c.cls().isLight() && c.y1() <= horizon + 1) { lights.add(c.id()); continue; }
      if (!candidate(c, unit, width)) continue;
      Kind kind = net.kind(KindCrop.of(px, comps.label, width, height, c, unit));
      if (kind == null) {
        if (c.y1() <= horizon + 1 && round(c) && c.area() <= 100 * unit * unit) lights.add(c.id());
        continue;
      }
      List<Integer> ids = new ArrayList<>();
      ids.add(c.id());
      int x0 = c.x0(), y0 = c.y0(), x1 = c.x1(), y1 = c.y1();
      for (int n : comps.neighbours.get(c.id())) {
        Component p = comps.list.get(n);
        if (p.width() > MAX_WIDTH * width || sliver(p, c, unit) || partOf(c, p) != kind) continue;
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

  /**
   * A region the kind network is asked about: an object colour, not a speck, and no wider than an object can be (the
   * renderer keeps objects under 45% of any row; a wider region is paint, whatever touches it).
   */
  static boolean candidate(Component c, double unit, int width) {
    return c.cls().isObjectColour() && c.area() >= Math.ceil(6 * unit * unit) && c.width() <= MAX_WIDTH * width;
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

  /** A thin rim or a speck where colours blend (soft edges), too small or too hollow to be a part of c. */
  private static boolean sliver(Component p, Component c, double unit) {
    double fill = p.area() / (double) (p.width() * p.height());
    double thickness = p.area() / (double) Math.max(p.width(), p.height()); // a rim is long and thin, a part is not
    return p.area() < 2 * unit * unit || fill < 0.4 || thickness < (p.cls() == PixelClass.WOOD ? 0.8 : 1.2) * unit;
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
