package dev.dualproc.eval;

/**
 * Whether an image is a scene at all: a horizon well inside the frame between distinct sky and ground; sky and ground
 * each a smooth gradient (at least 70% of rows' background within 12 of a straight colour line); at least 85% of the
 * pixels above the horizon explained as sky, lights or objects, at least 85% below as ground or objects; and no row
 * less than 70% explained (bands and stripes painted across the image fail here; outline counts as explained only in
 * rows it covers less than half of, the horizon line aside); and a dark horizon line only in an image that outlines
 * other things too (at least 12 outline pixels at 64 px elsewhere). reason names the first failed
 * condition, or is "ok".
 */
public record Validity(boolean valid, double skyFraction, double groundFraction, double worstRow, double contrast,
                       double smoothRows, String reason) {
  static final double MIN_REGION = 0.85, MIN_ROW = 0.7, MIN_CONTRAST = 45, EDGE = 0.12, SMOOTH = 12, MIN_SMOOTH_ROWS = 0.7,
      MAX_OUTLINE_ROW = 0.5, MIN_OUTLINE = 12;
}
