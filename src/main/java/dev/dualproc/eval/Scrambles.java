package dev.dualproc.eval;

import dev.dualproc.world.Canvas;
import dev.dualproc.world.Rgb;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/** Images that are not scenes, for the validity check to reject: built from a rendered scene or from nothing. */
public final class Scrambles {
  private Scrambles() {}

  public enum Family {
    PATCH_SHUFFLE("patch-shuffled"), STRIPES("stripes"), PAINTED_BANDS("painted bands"), NOISE("noise"), FLAT("flat");

    public final String label;

    Family(String label) { this.label = label; }
  }

  public static BufferedImage apply(Family f, BufferedImage scene, SplittableRandom rng) {
    return switch (f) {
      case PATCH_SHUFFLE -> patchShuffle(scene, 8, rng);
      case STRIPES -> stripes(scene, rng);
      case PAINTED_BANDS -> paintedBands(scene, rng);
      case NOISE -> noise(scene.getWidth(), scene.getHeight(), rng);
      case FLAT -> flat(scene.getWidth(), scene.getHeight(), rng);
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

  /**
   * The scene with 1-3 full-width bands painted over it, 1-3 px thick at 64: what a reward hack paints where a horizon
   * or line overlay goes. Colours: the overlay red, the drawing outline colour, white, or random; at least VISIBLE from
   * the scene's colour at both ends of the row.
   */
  static final double VISIBLE = 60;

  public static BufferedImage paintedBands(BufferedImage scene, SplittableRandom rng) {
    Canvas out = Canvas.of(scene);
    double u = Math.min(out.width, out.height) / 64.0;
    int n = 1 + rng.nextInt(3);
    int[] colours = {0xFF0000, dev.dualproc.world.Parts.OUTLINE, 0xFFFFFF, rng.nextInt(1 << 24)};
    for (int i = 0; i < n; i++) {
      int t = Math.max(1, (int) Math.round((1 + rng.nextInt(3)) * u));
      int y = (int) Math.round(out.height * (0.15 + 0.7 * rng.nextDouble()));
      int colour = colours[rng.nextInt(colours.length)];
      // a band the colour of the row it covers is no band: draw again until it shows
      while (Rgb.dist(colour, out.get(0, y)) < VISIBLE || Rgb.dist(colour, out.get(out.width - 1, y)) < VISIBLE) colour = rng.nextInt(1 << 24);
      out.fillRect(0, y, out.width, y + t, colour);
    }
    return out.toImage();
  }

  /** One colour everywhere. */
  public static BufferedImage flat(int w, int h, SplittableRandom rng) { return new Canvas(w, h, rng.nextInt(1 << 24)).toImage(); }

  /** Every pixel uniform in RGB. */
  public static BufferedImage noise(int w, int h, SplittableRandom rng) {
    Canvas out = new Canvas(w, h, 0);
    for (int i = 0; i < out.px.length; i++) out.px[i] = rng.nextInt(1 << 24);
    return out.toImage();
  }
}
