package dev.dualproc.model.flux;

import dev.dualproc.engine.ActivationCheckpoint;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.full;

/**
 * Rectified-flow sampling with a FLUX transformer on a fixed schedule (BFL sampling.denoise): Euler steps
 * x_{k+1} = x_k + (t_{k+1} - t_k) v(x_k, t_k), and the teaching entry points: a no-grad rollout to step i and one
 * step with grad giving the clean estimate x0 = z_t - sigma_i v. Latents are unpacked ([B, C, H, W]) at this API;
 * packing to tokens happens inside.
 */
public final class FluxSampler {
  /** Sees every Euler step: the state before it, the predicted velocity, the state after (valid during the call only). */
  @FunctionalInterface public interface StepListener {
    StepListener NONE = (i, x, v, next) -> {};
    void step(int i, Tensor x, Tensor v, Tensor next);
  }

  private final Flux model;
  private final float[] timesteps;
  private final double guidance;

  /** {@code timesteps}: steps + 1 values from 1 down to 0 ({@link FluxSchedule}); {@code guidance} is used by dev only. */
  public FluxSampler(Flux model, float[] timesteps, double guidance) {
    if (timesteps.length < 2) throw new DualprocException("a schedule needs at least 2 times, got " + timesteps.length);
    this.model = model;
    this.timesteps = timesteps.clone();
    this.guidance = guidance;
  }

  /** schnell: 4 steps by default, no shift, guidance unused. */
  public static FluxSampler schnell(Flux model, int steps) { return new FluxSampler(model, FluxSchedule.schnell(steps), 0.0); }

  /** dev: the schedule shifted for a latent of latentH x latentW (token count (H/2)(W/2)). */
  public static FluxSampler dev(Flux model, int steps, long latentH, long latentW, double guidance) {
    return new FluxSampler(model, FluxSchedule.dev(steps, (latentH / 2) * (latentW / 2)), guidance);
  }

  /** The BFL CLI defaults: schnell 4 steps, dev (guidance embedder) 50. */
  public static int defaultSteps(FluxParams p) { return p.guidanceEmbed() ? 50 : 4; }

  /** schnell's unshifted schedule, or dev's shifted one when the model has a guidance embedder (FLUX.1-dev). */
  public static FluxSampler forModel(Flux model, int steps, long latentH, long latentW, double guidance) {
    return model.params.guidanceEmbed() ? dev(model, steps, latentH, latentW, guidance) : schnell(model, steps);
  }

  public int steps() { return timesteps.length - 1; }
  public float[] timesteps() { return timesteps.clone(); }
  /** sigma_i = t_i: the noise level of z_t after i steps (1 = pure noise). */
  public double sigma(int i) { checkStep(i, timesteps.length - 1); return timesteps[i]; }
  public Flux model() { return model; }

  /** Seeded initial noise [B, C, H, W], drawn on the CPU like torch.manual_seed(seed); torch.randn(...). */
  public static Tensor noise(long seed, long batch, long channels, long latentH, long latentW) {
    return Rng.normal(seed, batch, channels, latentH, latentW);
  }

  /** FLUX.1 noise for an image of width x height pixels (8x autoencoder): [1, 16, 2*ceil(H/16), 2*ceil(W/16)]. */
  public static Tensor noiseForImage(long seed, int latentChannels, int width, int height) {
    return noise(seed, 1, latentChannels, 2L * ceilDiv(height, 16), 2L * ceilDiv(width, 16));
  }

  private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }

  /** The velocity v(x, t_i) for packed tokens x [B, L, in_channels] (keeps a graph unless called under no-grad). */
  public Tensor velocity(Tensor packed, Tensor imgIds, int i, FluxCond c) {
    checkStep(i, steps() - 1);
    long b = packed.size(0);
    return model.forward(packed, imgIds, c.txt(), c.txt_ids(), times(b, i), c.vec(), guidances(b));
  }

  /** Euler steps [from, to) on packed tokens, without grad; each step in its own scope. */
  public Tensor denoisePacked(Tensor packed, Tensor imgIds, FluxCond c, int from, int to, StepListener listener) {
    checkStep(from, steps());
    checkStep(to, steps());
    Tensor x = model.placement().place(packed);
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = from; i < to; i++) {
        final Tensor xi = x;
        final int k = i;
        x = StepScope.compute(() -> {
          Tensor v = velocity(xi, imgIds, k, c);
          Tensor next = xi.add(v.mul(new Scalar((double) timesteps[k + 1] - (double) timesteps[k])));
          listener.step(k, xi, v, next);
          return next;
        });
      }
    }
    return x;
  }

  /**
   * The whole schedule with classifier-free guidance, without grad: each step's velocity is
   * v(uncond) + scale * (v(c) - v(uncond)), for models trained with caption dropout; scale 1 is {@link #sample}.
   */
  public Tensor sampleGuided(Tensor noise, FluxCond c, FluxCond uncond, double scale) {
    if (scale == 1.0) return sample(noise, c);
    checkLatent(noise);
    long h = noise.size(2) / 2, w = noise.size(3) / 2;
    Tensor ids = LatentPacking.imgIds(noise.size(0), h, w);
    Tensor x = LatentPacking.pack(noise);
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < steps(); i++) {
        final Tensor xi = x;
        final int k = i;
        x = StepScope.compute(() -> {
          Tensor vu = velocity(xi, ids, k, uncond);
          Tensor v = vu.add(velocity(xi, ids, k, c).sub(vu).mul(new Scalar(scale)));
          return xi.add(v.mul(new Scalar((double) timesteps[k + 1] - (double) timesteps[k])));
        });
      }
    }
    return LatentPacking.unpack(x, h, w).detach();
  }

  /** A clean latent x0 [B, C, H, W] noised to t_from, (1 - t) x0 + t noise, then denoised by steps from..end, without grad. */
  public Tensor renoised(Tensor x0, Tensor noise, int from, FluxCond c) {
    checkLatent(x0);
    checkStep(from, steps());
    double t = timesteps[from];
    Tensor zt = x0.mul(new Scalar(1 - t)).add(noise.mul(new Scalar(t)));
    long h = zt.size(2) / 2, w = zt.size(3) / 2;
    return LatentPacking.unpack(denoisePacked(LatentPacking.pack(zt), LatentPacking.imgIds(zt.size(0), h, w), c, from, steps(), StepListener.NONE), h, w);
  }

  /** The whole schedule from noise [B, C, H, W] to the clean latent, without grad. */
  public Tensor sample(Tensor noise, FluxCond c) { return rollout(noise, c, steps()); }

  /** z_t after the first {@code toStep} steps from {@code noise} [B, C, H, W], without grad, on the model's device and dtype. */
  public Tensor rollout(Tensor noise, FluxCond c, int toStep) {
    checkLatent(noise);
    long h = noise.size(2) / 2, w = noise.size(3) / 2;
    Tensor z = model.placement().place(noise.detach());
    if (toStep == 0) { checkStep(0, steps()); return z; }
    Tensor x = denoisePacked(LatentPacking.pack(z), LatentPacking.imgIds(z.size(0), h, w), c, 0, toStep, StepListener.NONE);
    return LatentPacking.unpack(x, h, w).detach();
  }

  /** One transformer step at {@code i} with grad: x0 = z_t - sigma_i * v(z_t, t_i), a latent [B, C, H, W] on the model's device. */
  public Tensor oneStep(Tensor zt, int i, FluxCond c) {
    checkLatent(zt);
    long h = zt.size(2) / 2, w = zt.size(3) / 2;
    Tensor z = model.placement().place(zt.detach());
    Tensor v = velocity(LatentPacking.pack(z), LatentPacking.imgIds(z.size(0), h, w), i, c);
    return z.sub(LatentPacking.unpack(v, h, w).mul(new Scalar((double) timesteps[i])));
  }

  /** x0 of {@link #oneStep} with the transformer under activation checkpointing: after loss.backward(), call chain.backward(). */
  public record CheckpointedStep(Tensor x0, ActivationCheckpoint chain) {}

  /**
   * {@link #oneStep} keeping only block boundaries instead of every activation (for large images): the transformer's
   * graph is rebuilt block by block by {@code chain.backward()}, which the caller runs right after its loss.backward().
   */
  public CheckpointedStep oneStepCheckpointed(Tensor zt, int i, FluxCond c) {
    checkLatent(zt);
    checkStep(i, steps() - 1);
    long h = zt.size(2) / 2, w = zt.size(3) / 2, b = zt.size(0);
    Tensor z = model.placement().place(zt.detach());
    ActivationCheckpoint chain = ActivationCheckpoint.forward(
        model.segments(LatentPacking.imgIds(b, h, w), c.txt_ids(), times(b, i), c.vec(), guidances(b)), List.of(LatentPacking.pack(z), c.txt()));
    Tensor x0 = z.sub(LatentPacking.unpack(chain.output(), h, w).mul(new Scalar((double) timesteps[i])));
    return new CheckpointedStep(x0, chain);
  }

  // t_i for each of b samples, as denoise's torch.full((B,), t_curr)
  private Tensor times(long b, int i) { return full(new long[] {b}, new Scalar((double) timesteps[i]), new TensorOptions(ScalarType.Float)); }

  private Tensor guidances(long b) {
    return model.params.guidanceEmbed() ? full(new long[] {b}, new Scalar(guidance), new TensorOptions(ScalarType.Float)) : null;
  }

  private void checkLatent(Tensor z) {
    if (z.dim() != 4 || z.size(1) * 4 != model.params.inChannels() || z.size(2) % 2 != 0 || z.size(3) % 2 != 0)
      throw new DualprocException("latent: expected [B, " + model.params.latentChannels() + ", H, W] with even H and W, got "
          + Tensors.shapeString(z));
  }

  private static void checkStep(int i, int max) {
    if (i < 0 || i > max) throw new DualprocException("step index " + i + " is outside 0.." + max);
  }
}
