package dev.dualproc.eval;

import dev.dualproc.world.Canvas;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/** Images that are not scenes, for the validity check to reject: built from a rendered scene or from nothing. */
public final class Scrambles {
  private Scrambles() {}

  public enum Family { PATCH_SHUFFLE, STRIPES, NOISE }

  public static BufferedImage apply(Family f, BufferedImage scene, SplittableRandom rng) {
    return switch (f) {
      case PATCH_SHUFFLE -> patchShuffle(scene, 8, rng);
      case STRIPES -> stripes(scene, rng);
      case NOISE -> noise(scene.getWidth(), scene.getHeight(), rng);
    };
  }

  /** The scene cut into grid x grid patches, put back in a random order. */
  public static BufferedImage patchShuffle(BufferedImage scene, int grid, SplittableRandom rng) {
    int w = scene.getWidth(), h = scene.getHeight(), pw = w / grid, ph = h / grid;
    int[] src = Canvas.pixels(scene);
    int[] order = new int[grid * grid];
    for (int i = 0; i < order.length; i++) order[i] = i;
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    Canvas out = new Canvas(w, h, 0);
    System.arraycopy(src, 0, out.px, 0, src.length);
    for (int dst = 0; dst < order.length; dst++) {
      int sx = (order[dst] % grid) * pw, sy = (order[dst] / grid) * ph, dx = (dst % grid) * pw, dy = (dst / grid) * ph;
      for (int y = 0; y < ph; y++) System.arraycopy(src, (sy + y) * w + sx, out.px, (dy + y) * w + dx, pw);
    }
    return out.toImage();
  }

  /** Full-width bands, 2-8 rows each at 64 px, each in the colour of a random pixel of the scene or a random colour. */
  public static BufferedImage stripes(BufferedImage scene, SplittableRandom rng) {
    int w = scene.getWidth(), h = scene.getHeight();
    double u = Math.min(w, h) / 64.0;
    int[] src = Canvas.pixels(scene);
    Canvas out = new Canvas(w, h, 0);
    for (int y = 0; y < h; ) {
      int band = Math.max(1, (int) Math.round((2 + rng.nextInt(7)) * u));
      out.fillRect(0, y, w, y + band, rng.nextBoolean() ? src[rng.nextInt(src.length)] : rng.nextInt(1 << 24));
      y += band;
    }
    return out.toImage();
  }

  /** Every pixel uniform in RGB. */
  public static BufferedImage noise(int w, int h, SplittableRandom rng) {
    Canvas out = new Canvas(w, h, 0);
    for (int i = 0; i < out.px.length; i++) out.px[i] = rng.nextInt(1 << 24);
    return out.toImage();
  }
}
