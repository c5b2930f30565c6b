package dev.dualproc.world;

/**
 * One object as drawn: its kind and colour, where it stands (centre x and base row, both in pixels), its size step d,
 * the bounding box of its painted pixels before occlusion ([x0, x1) x [y0, y1)), and its depth (that of its base).
 */
public record SceneObject(Kind kind, NamedColour colour, double centreX, double baseRow, double size,
                          int x0, int y0, int x1, int y1, float depth) {
  public int bboxWidth() { return x1 - x0; }
  public int bboxHeight() { return y1 - y0; }
  public long bboxArea() { return (long) bboxWidth() * bboxHeight(); }
}
