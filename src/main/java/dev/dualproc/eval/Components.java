package dev.dualproc.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Connected components of same-class pixels (BACKGROUND excluded), and which components touch. */
final class Components {
  final int[] label;
  final List<Component> list = new ArrayList<>();
  final List<Set<Integer>> neighbours = new ArrayList<>();

  Components(PixelClass[] cls, int width, int height) {
    label = new int[cls.length];
    java.util.Arrays.fill(label, -1);
    int[] stack = new int[cls.length];
    for (int start = 0; start < cls.length; start++) {
      if (label[start] >= 0 || cls[start] == PixelClass.BACKGROUND) continue;
      int id = list.size();
      PixelClass c = cls[start];
      int sp = 0, area = 0, x0 = width, y0 = height, x1 = 0, y1 = 0;
      long sx = 0, sy = 0;
      stack[sp++] = start;
      label[start] = id;
      while (sp > 0) {
        int p = stack[--sp];
        int x = p % width, y = p / width;
        area++;
        sx += x;
        sy += y;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
        if (x > 0 && label[p - 1] < 0 && cls[p - 1] == c) { label[p - 1] = id; stack[sp++] = p - 1; }
        if (x < width - 1 && label[p + 1] < 0 && cls[p + 1] == c) { label[p + 1] = id; stack[sp++] = p + 1; }
        if (y > 0 && label[p - width] < 0 && cls[p - width] == c) { label[p - width] = id; stack[sp++] = p - width; }
        if (y < height - 1 && label[p + width] < 0 && cls[p + width] == c) { label[p + width] = id; stack[sp++] = p + width; }
      }
      list.add(new Component(id, c, area, x0, y0, x1, y1, sx / (double) area + 0.5, sy / (double) area + 0.5));
      neighbours.add(new HashSet<>());
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int a = label[y * width + x];
        if (a < 0) continue;
        if (x < width - 1) link(a, label[y * width + x + 1]);
        if (y < height - 1) link(a, label[(y + 1) * width + x]);
      }
    }
  }

  private void link(int a, int b) {
    if (b < 0 || a == b) return;
    neighbours.get(a).add(b);
    neighbours.get(b).add(a);
  }
}
