package dev.dualproc.distill;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * prior_weight: the generator's own denoiser, without the LoRA, as a prior on what the LoRA makes (score distillation).
 * The taught clean latent x0 is noised to an intermediate sampling step j (drawn per step), the base model estimates
 * it back (no grad), and {@code w * mean((x0 - sg(x0_hat))^2)} is added to the loss, so its gradient pulls x0 toward
 * what the base would draw from there. A scene the base could have drawn (a horizon higher up, a larger house) comes
 * back nearly unchanged; a pattern it never draws (dots, stripes, bands, smears) does not, and pays for it. Unlike
 * anchor_weight it does not tie the image to the LoRA-off one.
 *
 * <p>prior_mode: {@code denoise} pulls x0 toward the base's estimate, which at high noise is the blurred mean scene (it
 * washes rare looks out, such as snow under a pale sky); {@code match} (distribution matching) follows the base's
 * estimate minus the LoRA-on model's own estimate of the same noised latent, so the pull is zero wherever the LoRA has
 * not changed what the model draws: {@code w * mean((x0 - sg(x0 - (x0_hat_lora - x0_hat_base)))^2)}.
 */
public final class Prior {
  private Prior() {}

  /** Where the noise comes from: one stream per teaching step, apart from the training noise and the timestep draws. */
  static final long SEED_SALT = 0x5eed_9a1f_0c3bL;

  /** How the base model's estimate enters the loss (prior_mode). */
  public enum Mode {
    DENOISE, MATCH;

    public String yamlName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Mode parse(String s) {
      for (Mode m : values()) if (m.yamlName().equals(s)) return m;
      throw new DualprocException("prior_mode: expected denoise or match, got '" + s + "'");
    }
  }

  /** The draw of one step: the sampling step j to noise to (1 .. steps-1) and the seed of the noise. */
  public record Draw(int stepIndex, long noiseSeed) {}

  /** Step {@code step}'s draw for a generator of {@code steps} sampling steps; the same on a resumed run. */
  public static Draw draw(long trainSeed, int step, int steps) {
    if (steps < 2) throw new DualprocException("prior_weight: the generator samples in " + steps
        + " step; the prior needs an intermediate noise level (a generator with 2 or more sampling steps)");
    long seed = mix(mix(trainSeed ^ SEED_SALT) + step) & Long.MAX_VALUE;
    int j = 1 + (int) (seed % (steps - 1));
    return new Draw(j, seed);
  }

  /** SplitMix64's finaliser: nearby (seed, step) pairs give unrelated seeds. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The penalty for {@code latent} (the LoRA-on x0 latent of this step, with grad). */
  public static Tensor term(double weight, Mode mode, Generator g, LoraSet lora, Tensor latent, Conditioning c, Draw d) {
    Tensor noise = Rng.normal(d.noiseSeed(), Tensors.shape(latent));
    Tensor base;
    try {
      lora.setEnabled(false);
      base = g.denoised(latent, noise, d.stepIndex(), c);
    } finally {
      lora.setEnabled(true); // the teaching loop trains with the LoRA on
    }
    Tensor target = mode == Mode.DENOISE ? base
        : latent.detach().sub(g.denoised(latent, noise, d.stepIndex(), c).sub(base)); // gradient: x0_hat_lora - x0_hat_base
    return latent.sub(target.detach()).pow(Tensors.scalar(2)).mean().mul(Tensors.scalar(weight));
  }
}
