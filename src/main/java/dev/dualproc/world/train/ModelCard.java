package dev.dualproc.world.train;

import java.util.Locale;

/** MODEL_CARD.md of the built-in generator: data, config, steps, training time, held-out figures, how to reproduce. */
final class ModelCard {
  private ModelCard() {}

  /** {@code aeL1}: the autoencoder's mean absolute reconstruction error on held-out scenes (pixels in [-1, 1]), or NaN. */
  static String text(GeneratorTrainer t, GeneratorEval.Report r, double aeL1, long weightBytes, double guidanceScale) {
    GeneratorConfig c = t.cfg;
    StringBuilder b = new StringBuilder();
    b.append("# dualproc built-in world generator (").append(c.name()).append(")\n\n");
    b.append("A small FLUX-family text-to-image model (FLUX transformer, FLUX autoencoder, T5 and CLIP text encoders, ")
        .append("diffusers folder layout) trained from scratch by dualproc on its procedural world. ")
        .append("Written by `dualproc world train generator`.\n\n");
    b.append("## Data\n")
        .append("Scenes rendered on the fly by `world/SceneRenderer` at ").append(c.size()).append("x").append(c.size())
        .append(", each with its caption (`world/Captions`; captions never mention horizon height, stroke weight or palette).\n")
        .append("- autoencoder phase: scene seeds ").append(GeneratorTrainer.AE_SEEDS).append(" + step x ").append(c.aeBatch()).append(" + i\n")
        .append("- latent statistics: seeds ").append(GeneratorTrainer.LATENT_STAT_SEEDS).append(" .. +").append(c.latentStatImages() - 1).append("\n")
        .append("- transformer phase: seeds ").append(GeneratorTrainer.FLOW_SEEDS).append(" + step x ").append(c.batch()).append(" + i\n")
        .append("- held out (never trained on): every seed below 2^40; the figures below use seeds ")
        .append(GeneratorTrainer.HELD_OUT_FIRST_SEED).append(" onwards, the verifier accuracy run uses 1000000 onwards.\n\n");
    b.append("## Training\n");
    b.append(String.format(Locale.ROOT, "- seed %d; autoencoder steps %d/%d (batch %d, lr %.1e, L1 + %.0e KL); transformer steps %d (batch %d, AdamW lr %.1e, warmup %d, wd %.2g, grad clip %.1f, EMA %.4f)%n",
        t.seed, t.aeStep, c.aeSteps(), c.aeBatch(), c.aeLr(), c.aeKlWeight(), t.step, c.batch(), c.lr(), c.warmup(), c.weightDecay(), c.gradClip(), c.emaDecay()));
    b.append("- rectified flow: x_t = (1 - t) x0 + t noise, t = sigmoid(N(0, 1)), loss |v - (noise - x0)|^2; ")
        .append(String.format(Locale.ROOT, "%.0f%% caption dropout (empty prompt); text encoders trained jointly%n", 100 * c.captionDropout()));
    if (t.objectWeight > 0) b.append(String.format(Locale.ROOT, "- flow loss weighted %.3g on the latent cells an object's box touches (1 elsewhere) from transformer step %d on (`--object-weight %.3g`); the plain mean before%n",
        1 + t.objectWeight, t.objectWeightSince, t.objectWeight));
    if (!Double.isNaN(t.lrOverride)) b.append(String.format(Locale.ROOT, "- transformer learning rate %.3g from transformer step %d on (`--lr %.3g`); %.1e before%n",
        t.lrOverride, t.lrSince, t.lrOverride, c.lr()));
    if (t.bf16) b.append("- transformer phase in bf16 autocast (`--bf16`; fp32 weights, gradients and AdamW) from transformer step ").append(t.warmStart).append(" on\n");
    if (t.repa != null) b.append(String.format(Locale.ROOT, "- representation alignment (`--repa %s`) of the image tokens after double block %d to %s's SigLIP features, from transformer step %d on%n",
        plain(t.repa.weight), Repa.block(c.flux().depth()), Repa.recorded(t.repa.encoderFolder), t.warmStart));
    if (t.blobFraction > 0) b.append(String.format(Locale.ROOT, "- blob refinement (`--blob-fraction %s`): that share of each batch noised, at t in [%.2f, %.2f], from its scene with every object painted as a blob of its colour, with the velocity to the real scene as the target, from transformer step %d on%n",
        plain(t.blobFraction), Blobs.T_MIN, Blobs.T_MIN + Blobs.T_SPAN, t.warmStart));
    if (t.layoutFromNoise) b.append(String.format(Locale.ROOT, "- layout from noise (`--layout-from-noise`): each scene's free layout (horizon, stroke weight, palette, where its objects and sun or moon stand) chosen by the means of its noise's %d packed latent features, so the flow maps each noise to one scene; from transformer step %d on%n",
        dev.dualproc.world.LayoutCode.SLOTS, t.warmStart));
    if (t.localObjectCodes) b.append(String.format(Locale.ROOT, "- local object codes (`--local-object-codes`): object j stands on the noise token with the best value of packed feature %d + 3j where it fits (its place inside the token from features %d + 3j and %d + 3j), not where the means say; from transformer step %d on%n",
        dev.dualproc.world.LayoutCode.TokenPlaces.FIRST_FEATURE, dev.dualproc.world.LayoutCode.TokenPlaces.FIRST_FEATURE + 1, dev.dualproc.world.LayoutCode.TokenPlaces.FIRST_FEATURE + 2, t.warmStart));
    if (t.highT > 0) b.append(String.format(Locale.ROOT, "- `--high-t %s`: that share of each batch at t uniform in [%.2f, 1), where the noised scene hardly shows its layout, from transformer step %d on%n",
        plain(t.highT), GeneratorTrainer.HIGH_T, t.warmStart));
    if (t.sceneMap != null) b.append(String.format(Locale.ROOT, "- scene-map head (`--scene-map %s`): the image tokens after double block %d predict each latent cell's thing (sky, ground, light, object kind) and colour, from transformer step %d on%n",
        plain(t.sceneMap.weight), SceneMap.block(c.flux().depth()), t.warmStart));
    if (t.transformerFrom != null) b.append("- transformer and text encoders started from ").append(t.transformerFrom)
        .append(" (`--transformer-from`), with this autoencoder; transformer steps count from there\n");
    if (!c.aeLoss().equals(GeneratorConfig.AeLoss.PLAIN)) b.append(String.format(Locale.ROOT,
        "- autoencoder loss: L1 weighted %.3g inside the objects' boxes, %.3g x L1 of neighbour differences; half of each batch decoded from latents blended up to %.2f toward their 3x3 blur plus noise up to %.2f latent std (`ae_loss`)%n",
        1 + c.aeLoss().objectWeight(), c.aeLoss().edgeWeight(), c.aeLoss().latentBlur(), c.aeLoss().latentNoise()));
    if (t.latentScaleFitted()) b.append(String.format(Locale.ROOT, "- latent scale %.6g, shift %.6g (latents normalised to mean 0, variance 1)%n",
        t.aeParamsFitted().scaleFactor(), t.aeParamsFitted().shiftFactor()));
    else b.append("- latent scale and shift not fitted yet (the autoencoder phase is not finished)\n");
    if (!Double.isNaN(aeL1)) b.append(String.format(Locale.ROOT, "- autoencoder reconstruction on %d held-out scenes: mean |error| %.4f (pixels in [-1, 1])%n",
        GeneratorTraining.AE_EVAL_IMAGES, aeL1));
    b.append(String.format(Locale.ROOT, "- training time %.1f h (%.0f s of steps)%n", t.seconds / 3600, t.seconds));
    if (t.decoderSteps > 0) b.append(String.format(Locale.ROOT, "- decoder: refined by `world train decoder` for %d steps (encoder frozen) before the warm start at transformer step %d, and kept since%n",
        t.decoderSteps, t.warmStart));
    b.append(String.format(Locale.ROOT, "- parameters: autoencoder %,d; transformer + text encoders %,d; weights on disk (bf16) %.1f MB%n",
        t.aeParams.count(), t.model.count(), weightBytes / 1e6));
    b.append("- sampling: ").append(c.sampleSteps()).append(" Euler steps (schnell schedule), ")
        .append(guidanceScale == 1 ? "no guidance, " : String.format(Locale.ROOT, "classifier-free guidance %.2g against the empty prompt, ", guidanceScale))
        .append(c.size()).append("x").append(c.size()).append("; T5 and CLIP prompts padded to ")
        .append(c.t5MaxLength()).append(" tokens\n\n");
    b.append("Config:\n\n```json\n").append(c.toJson().toPrettyString()).append("\n```\n\n");
    b.append("## Held-out figures\n");
    if (r == null) b.append("Not measured at this export (`--eval-count 0`). Measure with `./dualproc world eval generator`.\n\n");
    else b.append("`./dualproc world eval generator --count ").append(r.count()).append("` (scene seeds ")
        .append(GeneratorTrainer.HELD_OUT_FIRST_SEED).append(" onwards; noise seed = scene seed):\n\n").append(r.table()).append('\n');
    b.append("## Reproduce\n```\n./dualproc world train generator --config ").append(c.name()).append(" --seed ").append(t.seed)
        .append(" --state runs/world-generator --steps ").append(t.totalSteps())
        .append(guidanceScale == 1 ? "" : String.format(Locale.ROOT, " --guidance %s", guidanceScale)).append(" --out models/world/generator\n```\n")
        .append("Each step depends only on the seed, the step number and the state, so the run may be split into chunks ")
        .append("(`--minutes M` or `--steps N`, resumed from `--state`) with the same result on the same machine and thread count.\n");
    return b.toString();
  }

  /** A weight as typed on the command line (0.2, not 0.200). */
  private static String plain(double x) { return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString(); }
}
