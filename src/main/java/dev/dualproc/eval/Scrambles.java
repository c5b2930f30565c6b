package dev.dualproc.eval;

import dev.dualproc.world.Canvas;
import dev.dualproc.world.Rgb;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/** Images that are not scenes, for the validity check to reject: built from a rendered scene or from nothing. */
public final class Scrambles {
  /** The colours objects are drawn in, which the blob, clutter and texture breakers paint with. */
  private static final java.util.List<dev.dualproc.world.NamedColour> OBJECT_COLOURS =
      java.util.Arrays.stream(dev.dualproc.world.NamedColour.values()).filter(c -> c.objectColour).toList();

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

  /**
   * The scene with 1-3 large blobs painted over it (ellipses 12-32 px wide and 16-48 px tall at 64), each an object
   * colour shifted by up to 40 levels per channel and blended 60-100% over the scene: what a LoRA paints when it swells
   * an object into a smear across the ground.
   */
  public static BufferedImage blobs(BufferedImage scene, SplittableRandom rng) {
    Canvas out = Canvas.of(scene);
    double u = Math.min(out.width, out.height) / 64.0;
    int n = 1 + rng.nextInt(3);
    for (int i = 0; i < n; i++) {
      double rx = (6 + 10 * rng.nextDouble()) * u, ry = (8 + 16 * rng.nextDouble()) * u, alpha = 0.6 + 0.4 * rng.nextDouble();
      int c = OBJECT_COLOURS.get(rng.nextInt(OBJECT_COLOURS.size())).rgb;
      c = Rgb.of(Rgb.r(c) + rng.nextInt(81) - 40, Rgb.g(c) + rng.nextInt(81) - 40, Rgb.b(c) + rng.nextInt(81) - 40);
      Canvas mask = new Canvas(out.width, out.height, 0);
      mask.fillEllipse(out.width * rng.nextDouble(), out.height * (0.25 + 0.75 * rng.nextDouble()), rx, ry, 1);
      for (int p = 0; p < out.px.length; p++)
        if (mask.px[p] == 1) out.px[p] = Rgb.lerp(out.px[p], c, alpha);
    }
    return out.toImage();
  }

  /**
   * A heap of 20-50 small overlapping objects of any kind and colour (half with a dark rim) around one point: the
   * mosaic of roofs and fragments a depth LoRA piled around point A to fool a critic (docs/critic-study.md, 2026-12-07).
   */
  public static BufferedImage clutter(BufferedImage scene, SplittableRandom rng) {
    Canvas out = Canvas.of(scene);
    double u = Math.min(out.width, out.height) / 64.0;
    var kinds = dev.dualproc.world.Kind.values();
    double cx = out.width * (0.15 + 0.7 * rng.nextDouble()), cy = out.height * (0.4 + 0.5 * rng.nextDouble());
    double rx = (12 + 12 * rng.nextDouble()) * u, ry = (6 + 8 * rng.nextDouble()) * u;
    double mute = 0.2 + 0.5 * rng.nextDouble(); // LoRA heaps are muddy: each colour pulled toward brown
    int n = 20 + rng.nextInt(31);
    for (int i = 0; i < n; i++) {
      double a = 2 * Math.PI * rng.nextDouble(), r = Math.sqrt(rng.nextDouble());
      double x = cx + rx * r * Math.cos(a), base = cy + ry * r * Math.sin(a), d = (2 + 2.5 * rng.nextDouble()) * u;
      var kind = kinds[rng.nextInt(kinds.length)];
      int c = Rgb.lerp(OBJECT_COLOURS.get(rng.nextInt(OBJECT_COLOURS.size())).rgb, dev.dualproc.world.Parts.WOOD, mute);
      c = Rgb.of(Rgb.r(c) + rng.nextInt(61) - 30, Rgb.g(c) + rng.nextInt(61) - 30, Rgb.b(c) + rng.nextInt(61) - 30);
      if (rng.nextBoolean()) dev.dualproc.world.ObjectPainter.paint(out, kind, dev.dualproc.world.Parts.OUTLINE, x, base + 0.3 * d, 1.25 * d, u);
      dev.dualproc.world.ObjectPainter.paint(out, kind, c, x, base, d, u);
    }
    // soften the heap only (a generator draws no crisp fragments): blend a 1-unit box blur into the painted box
    Canvas soft = Canvas.of(boxBlur(out.toImage(), Math.max(1, (int) Math.round(u))));
    int x0 = (int) Math.max(0, cx - rx - 4 * u), x1 = (int) Math.min(out.width, cx + rx + 4 * u);
    int y0 = (int) Math.max(0, cy - ry - 12 * u), y1 = (int) Math.min(out.height, cy + ry + 2 * u);
    for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) out.px[y * out.width + x] = soft.px[y * out.width + x];
    return out.toImage();
  }

  /**
   * A regular or noisy texture over the ground, the sky or both (dots, stripes at any angle, a checkerboard, or per-pixel
   * noise; period 2-8 px at 64 px, the region's own colour made lighter or darker, or an object colour): the family of
   * patterns a LoRA paints over a whole region to fool a critic (the dot-textured ground of leg H's depth runs,
   * docs/critic-study.md, 2026-12-07).
   */
  public static BufferedImage texture(BufferedImage scene, double horizonRow, SplittableRandom rng) {
    Canvas out = Canvas.of(scene);
    double u = Math.min(out.width, out.height) / 64.0;
    int region = rng.nextInt(4); // 0, 1: ground; 2: sky; 3: both
    int kind = rng.nextInt(4);
    double period = (2 + 6 * rng.nextDouble()) * u, angle = Math.PI * rng.nextDouble(), alpha = 0.5 + 0.5 * rng.nextDouble();
    int fixed = rng.nextBoolean() ? OBJECT_COLOURS.get(rng.nextInt(OBJECT_COLOURS.size())).rgb : -1;
    int shift = (40 + rng.nextInt(60)) * (rng.nextBoolean() ? 1 : -1);
    double ca = Math.cos(angle), sa = Math.sin(angle);
    for (int y = 0; y < out.height; y++) {
      boolean ground = y + 0.5 >= horizonRow;
      if (region <= 1 && !ground || region == 2 && ground) continue;
      for (int x = 0; x < out.width; x++) {
        double a = (x * ca + y * sa) / period, b = (-x * sa + y * ca) / period;
        boolean on = switch (kind) {
          case 0 -> { double fa = a - Math.floor(a) - 0.5, fb = b - Math.floor(b) - 0.5; yield fa * fa + fb * fb < 0.09; } // dots
          case 1 -> a - Math.floor(a) < 0.5; // stripes
          case 2 -> ((int) Math.floor(a) + (int) Math.floor(b)) % 2 == 0; // checkerboard
          default -> rng.nextBoolean(); // noise
        };
        if (!on) continue;
        int p = out.px[y * out.width + x];
        int d = kind == 3 && rng.nextBoolean() ? -shift : shift; // lighter (noise: lighter or darker) in the region's own hue
        int c = fixed >= 0 ? fixed : Rgb.of(Rgb.r(p) + d, Rgb.g(p) + d, Rgb.b(p) + d);
        out.px[y * out.width + x] = Rgb.lerp(p, c, alpha);
      }
    }
    return out.toImage();
  }

  /** The scene with one full-width band of `thickness` rows in `colour` centred on row y. */
  public static BufferedImage bandAt(BufferedImage scene, double y, int thickness, int colour) {
    Canvas out = Canvas.of(scene);
    int first = Canvas.firstAtOrAfter(y - thickness / 2.0);
    out.fillRect(0, first, out.width, first + thickness, colour);
    return out.toImage();
  }

  /** Mild degradations a scene should survive (generated images are noisy and soft): Gaussian noise of sigma levels. */
  public static BufferedImage gaussianNoise(BufferedImage scene, double sigma, SplittableRandom rng) {
    Canvas out = Canvas.of(scene);
    for (int i = 0; i < out.px.length; i++) {
      int v = out.px[i];
      out.px[i] = Rgb.of(Rgb.r(v) + (int) Math.round(gauss(rng) * sigma), Rgb.g(v) + (int) Math.round(gauss(rng) * sigma),
          Rgb.b(v) + (int) Math.round(gauss(rng) * sigma));
    }
    return out.toImage();
  }

  private static double gauss(SplittableRandom rng) {
    return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  /**
   * The scene with each tree, house, person and car painted over by a filled ellipse of its colour, 1.4 times the
   * ellipse inscribed in its box (so the box's corners, where tyres and roofs end, are covered too), clipped to the box
   * grown by a pixel: the colours and places stay, the shapes go. A verifier that reads kinds from shape must not find
   * them there.
   */
  public static BufferedImage blobbed(BufferedImage scene, dev.dualproc.world.SceneTruth truth) {
    Canvas out = Canvas.of(scene);
    int w = scene.getWidth(), h = scene.getHeight();
    for (dev.dualproc.world.SceneObject o : truth.objects()) {
      if (!blobbable(o.kind())) continue;
      double cx = 0.5 * (o.x0() + o.x1()), cy = 0.5 * (o.y0() + o.y1()), rx = 0.7 * o.bboxWidth(), ry = 0.7 * o.bboxHeight();
      for (int y = Math.max(0, o.y0() - 1); y < Math.min(h, o.y1() + 1); y++)
        for (int x = Math.max(0, o.x0() - 1); x < Math.min(w, o.x1() + 1); x++) {
          double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
          if (dx * dx + dy * dy <= 1) out.px[y * w + x] = o.colour().rgb;
        }
    }
    return out.toImage();
  }

  /**
   * The scene with every object (of any kind) painted over by a filled ellipse of its colour whose radii are
   * {@code radius} times its box's width and height, in drawing order: what a generation's objects look like before
   * their shapes form. The generator's --blob-fraction trains on these.
   */
  public static BufferedImage allBlobbed(BufferedImage scene, dev.dualproc.world.SceneTruth truth, double radius) {
    Canvas out = Canvas.of(scene);
    int w = scene.getWidth(), h = scene.getHeight();
    for (dev.dualproc.world.SceneObject o : truth.objects()) {
      double cx = 0.5 * (o.x0() + o.x1()), cy = 0.5 * (o.y0() + o.y1()), rx = Math.max(0.5, radius * o.bboxWidth()), ry = Math.max(0.5, radius * o.bboxHeight());
      for (int y = Math.max(0, (int) Math.floor(cy - ry)); y < Math.min(h, (int) Math.ceil(cy + ry)); y++)
        for (int x = Math.max(0, (int) Math.floor(cx - rx)); x < Math.min(w, (int) Math.ceil(cx + rx)); x++) {
          double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
          if (dx * dx + dy * dy <= 1) out.px[y * w + x] = o.colour().rgb;
        }
    }
    return out.toImage();
  }

  /** The kinds whose shape is more than a blob (balls and rocks are blobs already). */
  public static boolean blobbable(dev.dualproc.world.Kind k) {
    return k != dev.dualproc.world.Kind.BALL && k != dev.dualproc.world.Kind.ROCK;
  }

  /** Bilinear down to {@code f} of the size and back up: the softness of an image drawn at a lower resolution. */
  public static BufferedImage rescaled(BufferedImage scene, double f) {
    int w = scene.getWidth(), h = scene.getHeight(), sw = Math.max(8, (int) Math.round(w * f)), sh = Math.max(8, (int) Math.round(h * f));
    BufferedImage small = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB), back = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    drawBilinear(scene, small);
    drawBilinear(small, back);
    return back;
  }

  private static void drawBilinear(BufferedImage from, BufferedImage to) {
    var g = to.createGraphics();
    g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(from, 0, 0, to.getWidth(), to.getHeight(), null);
    g.dispose();
  }

  /** Every pixel shifted by one random offset per channel, up to 12 levels (clamped). */
  public static BufferedImage colourShift(BufferedImage scene, SplittableRandom rng) {
    int dr = rng.nextInt(-12, 13), dg = rng.nextInt(-12, 13), db = rng.nextInt(-12, 13);
    Canvas out = Canvas.of(scene);
    for (int i = 0; i < out.px.length; i++) {
      int v = out.px[i];
      out.px[i] = Rgb.of(Rgb.r(v) + dr, Rgb.g(v) + dg, Rgb.b(v) + db);
    }
    return out.toImage();
  }

  /** A separable Gaussian blur of `sigma` pixels (radius 3 sigma), edges clamped. */
  public static BufferedImage gaussianBlur(BufferedImage scene, double sigma) {
    int r = Math.max(1, (int) Math.ceil(3 * sigma));
    double[] k = new double[2 * r + 1];
    double total = 0;
    for (int i = -r; i <= r; i++) total += k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
    for (int i = 0; i < k.length; i++) k[i] /= total;
    Canvas in = Canvas.of(scene);
    int w = in.width, h = in.height;
    double[][] mid = new double[3][w * h];
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        for (int i = -r; i <= r; i++) {
          int v = in.get(Math.max(0, Math.min(w - 1, x + i)), y);
          mid[0][y * w + x] += k[i + r] * Rgb.r(v);
          mid[1][y * w + x] += k[i + r] * Rgb.g(v);
          mid[2][y * w + x] += k[i + r] * Rgb.b(v);
        }
    Canvas out = new Canvas(w, h, 0);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double[] c = new double[3];
        for (int i = -r; i <= r; i++) {
          int j = Math.max(0, Math.min(h - 1, y + i)) * w + x;
          for (int ch = 0; ch < 3; ch++) c[ch] += k[i + r] * mid[ch][j];
        }
        out.px[y * w + x] = Rgb.of((int) Math.round(c[0]), (int) Math.round(c[1]), (int) Math.round(c[2]));
      }
    return out.toImage();
  }

  /** A (2r+1) x (2r+1) box blur, edges clamped. */
  public static BufferedImage boxBlur(BufferedImage scene, int r) {
    Canvas in = Canvas.of(scene), out = new Canvas(in.width, in.height, 0);
    for (int y = 0; y < in.height; y++) {
      for (int x = 0; x < in.width; x++) {
        int sr = 0, sg = 0, sb = 0, n = 0;
        for (int dy = -r; dy <= r; dy++) {
          for (int dx = -r; dx <= r; dx++) {
            int v = in.get(Math.max(0, Math.min(in.width - 1, x + dx)), Math.max(0, Math.min(in.height - 1, y + dy)));
            sr += Rgb.r(v);
            sg += Rgb.g(v);
            sb += Rgb.b(v);
            n++;
          }
        }
        out.px[y * in.width + x] = Rgb.of(Math.round(sr / (float) n), Math.round(sg / (float) n), Math.round(sb / (float) n));
      }
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
