package dev.dualproc.distill;

import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * anchor_weight: w * mean((x0 with the LoRA - x0 without it)^2) over the decoded images of the same z_t and step, the
 * LoRA-off image without grad. It keeps the taught images close to what the generator would draw, so the LoRA cannot
 * repaint the scene into a pattern that fools the critic without paying for it.
 */
public final class Anchor {
  private Anchor() {}

  /** The penalty for {@code image} (the LoRA-on x0 image of {@code zt} at {@code stepIndex}, with grad). */
  public static Tensor term(double weight, Generator g, LoraSet lora, Tensor image, Tensor zt, Conditioning c, int stepIndex) {
    Tensor off;
    try (NoGradGuard ng = new NoGradGuard()) {
      lora.setEnabled(false);
      off = g.x0Image(zt, c, stepIndex);
    } finally {
      lora.setEnabled(true);
    }
    return image.sub(off).pow(Tensors.scalar(2)).mean().mul(Tensors.scalar(weight));
  }
}
