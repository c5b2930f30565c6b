package dev.dualproc.eval;

/** A 4-connected region of pixels of one class: [x0, x1) x [y0, y1), area and centroid. */
record Component(int id, PixelClass cls, int area, int x0, int y0, int x1, int y1, double cx, double cy) {
  int width() { return x1 - x0; }
  int height() { return y1 - y0; }
}
