package dev.dualproc.distill;

import dev.dualproc.engine.LoraSet;
import org.bytedeco.pytorch.Tensor;

/**
 * The generator seam of the teaching loop (ARCHITECTURE.md): any model family that can roll noise out without grad
 * and run one step with grad to a decoded clean estimate.
 */
public interface Generator extends AutoCloseable {
  /** Names the base model (folder, file, or "world"), for run metadata. */
  String identity();
  int width();
  int height();
  /** Sampling steps of a full generation (schnell: 4). */
  int steps();
  /** True when a single step from pure noise is the teaching step (schnell-like, timestep-distilled). */
  boolean oneStepFromNoise();

  /** Encode a prompt with the text encoders (no grad); callers cache the result. */
  Conditioning encode(String prompt);

  /** The initial latent noise of a seed, on the model's device (drawn on the CPU, so it is device-independent). */
  Tensor noise(long seed);

  /** z_t after the first {@code stepIndex} sampling steps from {@code noise}, without grad, with the LoRA as it is set. */
  Tensor rollout(Tensor noise, Conditioning c, int stepIndex);

  /** One transformer step at {@code stepIndex} with grad, x0 = z_t - sigma * v, decoded: [1, 3, H, W], about [-1, 1]. */
  Tensor x0Image(Tensor zt, Conditioning c, int stepIndex);

  /** {@link #x0Image} before the decoder: the clean latent estimate z_t - sigma_i * v, with grad (for prior_weight). */
  default Tensor x0Latent(Tensor zt, Conditioning c, int stepIndex) { throw noLatents(); }

  /** The decoder, with grad: {@code x0Image(zt, c, i) == decode(x0Latent(zt, c, i))}. */
  default Tensor decode(Tensor latent) { throw noLatents(); }

  /**
   * The generator's own one-step estimate of a clean latent after noising it to sampling step {@code stepIndex}'s level:
   * z = (1 - sigma) latent + sigma noise, then z - sigma * v(z); without grad, with the LoRA as it is set (prior_weight).
   */
  default Tensor denoised(Tensor latent, Tensor noise, int stepIndex, Conditioning c) { throw noLatents(); }

  private dev.dualproc.engine.DualprocException noLatents() {
    return new dev.dualproc.engine.DualprocException(identity() + ": this generator does not expose its latents (prior_weight needs them)");
  }

  /** A full generation without grad: [1, 3, H, W] in [-1, 1]. */
  Tensor generate(Conditioning c, long seed);

  /** The adapters on the reference module set, created on first call with the given rank, alpha and init seed. */
  LoraSet attachLora(int rank, double alpha, long initSeed);

  /**
   * Every module a LoRA can go on (lora_targets): adapter name -> checkpoint key of its layer, in the order adapters are
   * attached. Empty: this generator offers only its reference set ({@link #attachLora(int, double, long)}).
   */
  default java.util.Map<String, String> loraModules() { return java.util.Map.of(); }

  /** Named groups of {@link #loraModules} (names from {@link LoraTargets#GROUPS}; "all" is the reference set). */
  default java.util.Map<String, java.util.List<String>> loraGroups() { return java.util.Map.of(); }

  /** Adapters on exactly {@code modules} (names from {@link #loraModules}), with the given rank, alpha and init seed. */
  default LoraSet attachLora(java.util.List<String> modules, int rank, double alpha, long initSeed) {
    throw new dev.dualproc.engine.DualprocException(identity() + ": this generator can only attach its reference LoRA modules");
  }

  /** The adapters attached so far (empty before attachLora). */
  LoraSet lora();

  /** How this family names its adapters in LoRA files (PEFT/diffusers, kohya); FLUX: {@code transformer.} + diffusers names. */
  default LoraFile loraFile() { return LoraFile.ENGINE; }

  /** Attaches the adapters of a LoRA file at strength {@code weight} (1.0 = as trained); fails when no key matches. */
  default LoraSet loadLora(java.nio.file.Path file, double weight) {
    throw new dev.dualproc.engine.DualprocException(identity() + ": this generator cannot load LoRA files");
  }

  @Override void close();
}
