package dev.dualproc.eval;

import dev.dualproc.world.NamedColour;
import dev.dualproc.world.Parts;
import dev.dualproc.world.TimeOfDay;

/**
 * What a pixel that differs from its background is: a named colour, a fixed object part, an outline, a light in the
 * sky, or unknown. The reference colours are the world's own tables, so a verifier knows the world's vocabulary.
 */
enum PixelClass {
  BACKGROUND(-1, null),
  UNKNOWN(-1, null),
  RED(NamedColour.RED.rgb, NamedColour.RED),
  ORANGE(NamedColour.ORANGE.rgb, NamedColour.ORANGE),
  YELLOW(NamedColour.YELLOW.rgb, NamedColour.YELLOW),
  GREEN(NamedColour.GREEN.rgb, NamedColour.GREEN),
  BLUE(NamedColour.BLUE.rgb, NamedColour.BLUE),
  PURPLE(NamedColour.PURPLE.rgb, NamedColour.PURPLE),
  WHITE(NamedColour.WHITE.rgb, NamedColour.WHITE),
  PINK(NamedColour.PINK.rgb, NamedColour.PINK),
  CYAN(NamedColour.CYAN.rgb, NamedColour.CYAN),
  WOOD(Parts.WOOD, null),
  SKIN(Parts.SKIN, null),
  LEGS(Parts.LEGS, null),
  TYRE(Parts.TYRE, null),
  OUTLINE(Parts.OUTLINE, null),
  STAR(Parts.STAR, null),
  SUN(TimeOfDay.DAY.celestial, null),
  LOW_SUN(TimeOfDay.SUNSET.celestial, null),
  MOON(TimeOfDay.NIGHT.celestial, null);

  final int rgb;
  final NamedColour colour;

  PixelClass(int rgb, NamedColour colour) {
    this.rgb = rgb;
    this.colour = colour;
  }

  static final PixelClass[] VALUES = values();
  /** A pixel farther than this from every reference colour is UNKNOWN. */
  static final double MAX_DISTANCE = 60;

  boolean isObjectColour() { return colour != null && colour.objectColour; }

  boolean isLight() { return this == SUN || this == LOW_SUN || this == MOON || this == STAR; }

  static PixelClass nearest(int rgb) {
    PixelClass best = UNKNOWN;
    int bestD = Integer.MAX_VALUE;
    for (PixelClass c : VALUES) {
      if (c.rgb < 0) continue;
      int d = dev.dualproc.world.Rgb.dist2(rgb, c.rgb);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return bestD <= MAX_DISTANCE * MAX_DISTANCE ? best : UNKNOWN;
  }
}
