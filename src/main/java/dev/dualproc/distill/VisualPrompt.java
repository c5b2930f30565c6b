package dev.dualproc.distill;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.Tensors;
import dev.dualproc.tasks.Overlays;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * The differentiable visual-prompt overlay (paper-brief §3.7, the reference's create_visual_prompt): the overlay image,
 * in [-1, 1] and resized bilinearly to the generated image, is blended as out = mask * overlay + (1 - mask) * image.
 * transparent: mask = 0.5 everywhere (white background included, so the whole image is washed out); solid: mask = 0 where
 * all three channels are exactly white (1.0) and 1 elsewhere. The gradient reaches the image only through (1 - mask).
 */
public final class VisualPrompt {
  public enum Mode { TRANSPARENT, SOLID }

  private final BufferedImage source; // as given (or rendered), for display
  private final Tensor overlay;       // [1, 3, H, W] in [-1, 1], at the generated size
  private final Tensor mask;          // [1, 3, H, W] in {0, 0.5, 1}
  public final Mode mode;

  private VisualPrompt(BufferedImage source, Tensor overlay, Tensor mask, Mode mode) {
    this.source = source; this.overlay = overlay; this.mask = mask; this.mode = mode;
  }

  /** An overlay for images of {@code width} x {@code height}; other sizes are resized bilinearly, as the reference does. */
  public static VisualPrompt of(BufferedImage overlayImage, Mode mode, int width, int height) {
    Tensor ov = Images.toTensor(onWhite(overlayImage));
    if (ov.size(2) != height || ov.size(3) != width)
      ov = upsample_bilinear2d(ov, new long[] {height, width}, false);
    Tensor m = switch (mode) {
      case TRANSPARENT -> full(new long[] {1, 3, height, width}, Tensors.scalar(0.5), new TensorOptions(ScalarType.Float));
      case SOLID -> {
        Tensor background = ov.eq(Tensors.scalar(1.0)).all(1, true); // exact white only, as the reference (anti-aliased edges count as marks)
        yield background.logical_not().to(ScalarType.Float).expand(new long[] {1, 3, height, width}).contiguous();
      }
    };
    ov.retainReference();
    m.retainReference();
    return new VisualPrompt(overlayImage, ov, m, mode);
  }

  /** The overlay a question asks for: an image file, or a preset's renderer. */
  public static VisualPrompt of(TaskSpec.Question q, Path baseDir, int width, int height) {
    if (q.overlay() == null) return null;
    TaskSpec.Overlay o = q.overlay();
    BufferedImage img = o.image() != null ? Images.read(baseDir.resolve(o.image())) : Overlays.render(o.preset(), o.params(), width, height);
    return of(img, Mode.valueOf(q.mode().toUpperCase(java.util.Locale.ROOT)), width, height);
  }

  /** mask * overlay + (1 - mask) * image, on the image's device and dtype; image is [1, 3, H, W] in about [-1, 1]. */
  public Tensor apply(Tensor image) {
    if (image.size(2) != mask.size(2) || image.size(3) != mask.size(3))
      throw new IllegalArgumentException("overlay is " + mask.size(3) + "x" + mask.size(2) + ", image is " + Tensors.shapeString(image));
    Tensor m = mask.to(image.device(), image.scalar_type());
    Tensor ov = overlay.to(image.device(), image.scalar_type());
    return m.mul(ov).add(m.neg().add(Tensors.scalar(1.0)).mul(image));
  }

  public BufferedImage source() { return source; }
  public Tensor mask() { return mask; }
  public Tensor overlay() { return overlay; }

  /** Drawn onto white: transparent pixels of an RGBA overlay are background (the reference app composites the same way). */
  static BufferedImage onWhite(BufferedImage img) {
    if (!img.getColorModel().hasAlpha()) return img;
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.drawImage(img, 0, 0, null);
    g.dispose();
    return out;
  }
}
