package dev.dualproc.tasks;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.Canvas;
import dev.dualproc.world.Rgb;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

/**
 * The visual prompts of the control presets, drawn on white with no anti-aliasing (a solid overlay's mask is "not exactly
 * white", so every mark pixel must be a mark colour): palette, a strip of equal swatches along the bottom eighth;
 * line-weight, a red line of the given thickness across the middle half, centred 7/8 down; horizon, a full-width red
 * line centred at value * height; depth, red dots labelled "A" and "B". Lengths scale with u = min(w, h) / 64.
 */
public final class Overlays {
  private Overlays() {}

  public static final int RED = 0xFF0000, LABEL = 0x000000, WHITE = 0xFFFFFF;
  public static final List<String> PRESETS = List.of("palette", "line-weight", "horizon", "depth");

  public static BufferedImage render(String preset, Map<String, Object> params, int width, int height) {
    if (width < 8 || height < 8) throw new DualprocException("overlay size must be at least 8x8, got " + width + "x" + height);
    Map<String, Object> p = params == null ? Map.of() : params;
    Canvas c = new Canvas(width, height, WHITE);
    double u = Math.min(width, height) / 64.0;
    switch (preset == null ? "" : preset) {
      case "palette" -> palette(c, OverlayParams.colours(p, "palette"));
      case "line-weight" -> {
        int t = (int) Math.round(OverlayParams.number(p, "value", "line-weight", 1, height / 4.0));
        double y = height * 7 / 8.0;
        int first = Canvas.firstAtOrAfter(y - t / 2.0);
        c.fillRect(width / 4.0, first, width * 3 / 4.0, first + t, RED);
      }
      case "horizon" -> {
        double y = OverlayParams.number(p, "value", "horizon", 0, 1) * height;
        int t = Math.max(1, (int) Math.round(u));
        int first = Math.max(0, Math.min(height - t, Canvas.firstAtOrAfter(y - t / 2.0)));
        c.fillRect(0, first, width, first + t, RED);
      }
      case "depth" -> {
        double[] a = OverlayParams.point(p, "a", "depth"), b = OverlayParams.point(p, "b", "depth");
        point(c, a[0] * width, a[1] * height, 'A', u);
        point(c, b[0] * width, b[1] * height, 'B', u);
      }
      default -> throw new DualprocException("overlay: no renderer for preset '" + preset + "'; expected one of " + PRESETS);
    }
    return c.toImage();
  }

  private static void palette(Canvas c, List<Integer> colours) {
    int top = c.height - Math.max(1, c.height / 8);
    for (int i = 0; i < colours.size(); i++) {
      int x0 = i * c.width / colours.size(), x1 = (i + 1) * c.width / colours.size();
      // pure white would vanish from a solid overlay's mask: nudge it by one level
      int rgb = colours.get(i) == WHITE ? 0xFEFEFE : colours.get(i);
      c.fillRect(x0, top, x1, c.height, rgb);
    }
  }

  /** A dot of radius 1.5u (at least 2 px) with its letter beside it, on the side with more room. */
  private static void point(Canvas c, double x, double y, char letter, double u) {
    double r = Math.max(2, 1.5 * u);
    c.fillEllipse(x, y, r, r, RED);
    int s = Math.max(1, (int) Math.round(u));
    int gw = Glyphs.WIDTH * s, gh = Glyphs.HEIGHT * s;
    int gap = (int) Math.ceil(r) + s;
    int gx = x + gap + gw <= c.width ? (int) Math.round(x) + gap : (int) Math.round(x) - gap - gw;
    int gy = (int) Math.round(y - gh / 2.0);
    gy = Math.max(0, Math.min(c.height - gh, gy));
    Glyphs.draw(c, letter, gx, gy, s, LABEL);
  }

  /** Whether a pixel is a mark (not the white background): the solid visual prompt's mask. */
  public static boolean isMark(int rgb) { return (rgb & 0xFFFFFF) != WHITE; }

  /** The overlay pasted onto an image as a solid visual prompt does (mark pixels replace the image's). */
  public static BufferedImage solid(BufferedImage image, BufferedImage overlay) {
    int[] img = Canvas.pixels(image), ov = Canvas.pixels(overlay);
    if (img.length != ov.length || image.getWidth() != overlay.getWidth())
      throw new DualprocException("overlay is " + overlay.getWidth() + "x" + overlay.getHeight() + ", image is " + image.getWidth() + "x" + image.getHeight());
    Canvas out = new Canvas(image.getWidth(), image.getHeight(), 0);
    for (int i = 0; i < img.length; i++) out.px[i] = isMark(ov[i]) ? ov[i] : img[i];
    return out.toImage();
  }

  /** The overlay blended half and half over the whole image, as a transparent visual prompt does. */
  public static BufferedImage transparent(BufferedImage image, BufferedImage overlay) {
    int[] img = Canvas.pixels(image), ov = Canvas.pixels(overlay);
    if (img.length != ov.length || image.getWidth() != overlay.getWidth())
      throw new DualprocException("overlay is " + overlay.getWidth() + "x" + overlay.getHeight() + ", image is " + image.getWidth() + "x" + image.getHeight());
    Canvas out = new Canvas(image.getWidth(), image.getHeight(), 0);
    for (int i = 0; i < img.length; i++) out.px[i] = Rgb.lerp(img[i], ov[i], 0.5);
    return out.toImage();
  }
}
