package dev.dualproc.world;

/**
 * Paints one object into a layer, standing on row `base` centred at x `cx`, with size step d (pixels). Parts are
 * painted back to front; the coloured part carries the object's colour, the others fixed {@link Parts} colours.
 * Every footprint matches {@link Kind#width} x {@link Kind#height} (in units of d).
 */
public final class ObjectPainter {
  private ObjectPainter() {}

  /** u is the image's pixel unit (min side / 64): thin parts never get narrower than about one unit. */
  public static void paint(Canvas layer, Kind kind, int colour, double cx, double base, double d, double u) {
    switch (kind) {
      case TREE -> {
        double tw = Math.max(0.4 * d, 1.2 * u), th = 1.0 * d, cr = 0.85 * d;
        layer.fillRect(cx - tw / 2, base - th, cx + tw / 2, base, Parts.WOOD);
        layer.fillEllipse(cx, base - th + 0.25 * d - cr, cr, cr, colour);
      }
      case HOUSE -> {
        double wall = 1.5 * d;
        layer.fillRect(cx - 1.1 * d, base - wall, cx + 1.1 * d, base, colour);
        layer.fillTriangle(cx - 1.3 * d, base - wall, cx + 1.3 * d, base - wall, cx, base - wall - 1.0 * d, Parts.WOOD);
        double dw = Math.max(0.44 * d, 1.2 * u);
        layer.fillRect(cx - dw / 2, base - 0.75 * d, cx + dw / 2, base, Parts.WOOD);
      }
      case ROCK -> layer.fillEllipse(cx, base, 1.1 * d, 1.1 * d, base, colour);
      case BALL -> layer.fillEllipse(cx, base - 0.75 * d, 0.75 * d, 0.75 * d, colour);
      case PERSON -> {
        double legs = 0.9 * d, body = 1.2 * d;
        layer.fillRect(cx - 0.4 * d, base - legs, cx + 0.4 * d, base, Parts.LEGS);
        layer.fillRect(cx - 0.45 * d, base - legs - body, cx + 0.45 * d, base - legs, colour);
        layer.fillEllipse(cx, base - legs - body - 0.4 * d, 0.4 * d, 0.4 * d, Parts.SKIN);
      }
      case CAR -> {
        double bodyBottom = base - 0.3 * d, bodyTop = base - 0.95 * d;
        layer.fillRect(cx - 1.3 * d, bodyTop, cx + 1.3 * d, bodyBottom, colour);
        layer.fillRect(cx - 0.75 * d, base - 1.5 * d, cx + 0.55 * d, bodyTop, colour);
        double r = 0.35 * d;
        layer.fillEllipse(cx - 0.8 * d, base - r, r, r, Parts.TYRE);
        layer.fillEllipse(cx + 0.8 * d, base - r, r, r, Parts.TYRE);
      }
    }
  }
}
