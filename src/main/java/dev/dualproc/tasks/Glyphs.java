package dev.dualproc.tasks;

import dev.dualproc.world.Canvas;

/** The point labels as 5x7 bitmaps: identical on every machine, unlike system fonts. */
final class Glyphs {
  private Glyphs() {}

  static final int WIDTH = 5, HEIGHT = 7;

  private static final String[] A = {
      ".###.",
      "#...#",
      "#...#",
      "#####",
      "#...#",
      "#...#",
      "#...#"};
  private static final String[] B = {
      "####.",
      "#...#",
      "#...#",
      "####.",
      "#...#",
      "#...#",
      "####."};

  /** Draws the letter with its top-left at (x, y), each bitmap cell s x s pixels. */
  static void draw(Canvas c, char letter, int x, int y, int s, int rgb) {
    String[] rows = switch (letter) {
      case 'A' -> A;
      case 'B' -> B;
      default -> throw new IllegalArgumentException("no glyph for '" + letter + "'");
    };
    for (int r = 0; r < HEIGHT; r++)
      for (int k = 0; k < WIDTH; k++)
        if (rows[r].charAt(k) == '#') c.fillRect(x + k * s, y + r * s, x + (k + 1) * s, y + (r + 1) * s, rgb);
  }
}
