package dev.dualproc.world.critic;

import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.model.vlm.TinyIdefics.Spec;
import dev.dualproc.world.VqaGenerator;
import java.nio.file.Path;
import java.util.Locale;

/** MODEL_CARD.md of the built-in critic: what it is, what it saw, how long it trained, how well it does, how to redo it. */
final class ModelCard {
  private ModelCard() {}

  static void write(Path file, CriticTrainer t, HeldOutAccuracy acc, long bytes, String reproduce) {
    write(file, t, acc, bytes, reproduce, null, null);
  }

  /** {@code generatedData}: how generated images were mixed in (null: none); {@code generated}: their agreement table (null: not measured). */
  static void write(Path file, CriticTrainer t, HeldOutAccuracy acc, long bytes, String reproduce, String generatedData, GeneratedAgreement generated) {
    CriticConfig c = t.config;
    Spec s = c.spec();
    long params = t.weights().values().stream().mapToLong(w -> w.numel()).sum();
    String text = String.format(Locale.ROOT, """
        # dualproc built-in critic (`world`)

        An Idefics3-family VLM (the same Java classes as SmolVLM/Idefics3) trained from scratch by dualproc on the
        built-in world's yes/no questions. `dualproc teach` and `ask` open it as the critic `world`.

        ## Model
        | part | size |
        |---|---|
        | vision tower (SigLIP) | %dx%d input, %dx%d patches, hidden %d, %d layers, %d heads, MLP %d |
        | connector | pixel shuffle x%d, linear to %d: %d image tokens |
        | decoder (Llama) | hidden %d, %d layers, %d heads (%d key/value), head dim %d, MLP %d, tied embeddings |
        | tokenizer | word level, %d ids (the world's question words and the Idefics3 special tokens) |
        | parameters | %,d (%.1f MB in bf16, folder %.1f MB) |

        Config `%s`: batch %d, AdamW lr %.1e (linear warm-up %d steps, then constant), weight decay %.2g, gradient
        clip %.1f, pixel noise up to %.2f, end-of-answer term weight %.2f, %d caption items per step (weight %.2f). The
        loss is the critic's own answer loss (IdeficsCritic.answerLoss: cross-entropy of the answer tokens after the
        Idefics3 prompt with the postfix "Answer with Yes or No."), on images min-max normalised as in teaching, plus
        captioning ("%s" answered with the scene's caption), which gives the vision tower a signal of its own.
        Question families trained on: %s.

        ## Data
        VQA items rendered on the fly at 64x64 by `world/VqaGenerator` (%s), balanced between yes and no and, for the
        overlay families, between matching and non-matching overlays; a quarter of the horizon negatives carry a
        painted band where the overlay line goes. Training stream seed %d, items 0..%,d (%,d items, %,d steps).
        Held out, never trained on: stream %d (this card and `dualproc world eval vlm`) and stream %d (validation
        during training). %s

        ## Training
        %,d steps, %.1f minutes of training (%.2f s/step on average), dualproc %s.%s
        The experiments that led to this recipe, with their numbers: docs/critic-study.md.

        ## Held-out accuracy (stream %d, %d items, bf16 weights loaded as teaching loads them)
        %s
        Worst family: %.1f%% (must-show 1 of issue #7 asks >= 95%% for each).

        Measure again: `./dualproc world eval vlm --n %d`
        %s
        ## Reproduce
        ```
        %s
        ```
        The data is a function of (seed, item index) and the trainer's state (weights, AdamW moments, noise RNG, step)
        is checkpointed exactly, so stopping and resuming (`--minutes` chunks, Ctrl-C) gives the same weights as one
        run, on the same machine and thread count.
        """,
        s.imageSize(), s.imageSize(), s.patchSize(), s.patchSize(), s.visionHidden(), s.visionLayers(), s.visionHeads(), s.visionFfn(),
        s.scaleFactor(), s.textHidden(), s.imageSeqLen(CriticFiles.FAMILY),
        s.textHidden(), s.textLayers(), s.textHeads(), s.textKvHeads(), s.headDim(), s.textFfn(),
        t.critic().tokenizer.maxId() + 1, params, params * 2 / 1e6, bytes / 1e6,
        c.name(), c.batch(), c.lr(), c.warmup(), c.weightDecay(), c.gradClip(), c.noise(), c.stopWeight(), c.captions(), c.captionWeight(), CriticConfig.CAPTION_QUESTION, String.join(", ", c.tasks()),
        String.join(", ", VqaGenerator.TASKS), t.seed, Math.max(0, t.itemsSeen() - 1), t.itemsSeen(), t.step(),
        VqaBatches.EVAL_STREAM, VqaBatches.VALIDATION_STREAM,
        generatedData == null ? "Generated images are not in this model's data." : generatedData,
        t.step(), t.seconds() / 60, t.step() == t.warmStart() ? 0 : t.seconds() / (t.step() - t.warmStart()), dev.dualproc.cli.Version.get(), probes(c),
        acc.stream(), acc.byTask().values().stream().mapToInt(x -> x[1]).sum(), acc.table(), 100 * acc.worst(),
        acc.byTask().values().stream().mapToInt(x -> x[1]).sum(),
        generated == null ? "" : "\n## Agreement with the verifiers on generated images\n" + generated.table()
            + "\nMeasure again: `./dualproc world eval vlm --n 0 --generated " + generated.images() + "`\n",
        reproduce);
    AtomicFiles.writeString(file, text);
  }

  /** The horizon near miss when not the default, graded overlay items, then the training-only probes and the vision phase, when the config used them. */
  private static String probes(CriticConfig c) {
    String s = c.horizonNearMiss() == dev.dualproc.world.VqaQuestions.HORIZON_NEAR_MISS ? "" : String.format(Locale.ROOT,
        "\nHorizon No items put the line at least %.1f px (at 64) from the horizon (`--horizon-near-miss`; the default 4).", c.horizonNearMiss());
    if (c.horizonGrade() > 0) s += String.format(Locale.ROOT, "\nHorizon items are graded (`--horizon-grade %s`): the line anywhere, Yes within 3 px of"
        + " the horizon and No beyond, trained towards the soft answer p(Yes) = sigmoid((3 - d) / %s) at d px (at 64).", c.horizonGrade(), c.horizonGrade());
    if (c.lineWeightGrade() > 0) s += String.format(Locale.ROOT, "\nLine-weight items are graded (`--line-weight-grade %s`): a bar of w px over strokes of s px"
        + " is trained towards the soft answer p(Yes) = sigmoid((0.5 - |w - s|) / %s) (at 64).", c.lineWeightGrade(), c.lineWeightGrade());
    if (c.leftRightSides() > 0) s += String.format(Locale.ROOT, "\n%.0f%% of the training left-right items ask which side of the image one object is on"
        + " (`--left-right-sides %s`); held-out items compare two.", 100 * c.leftRightSides(), c.leftRightSides());
    if (!(c.probeWeight() > 0)) return s;
    s += String.format(Locale.ROOT, "\nTraining-only probes, weight %.2g, never exported: each vision patch predicts what the renderer drew there "
        + "and the image's facts (PatchProbe), and the decoder's state at the answer predicts the question's family and words (QuestionProbe).", c.probeWeight());
    if (c.probeColumns()) s += " The answer state also predicts the columns of the objects a left-right question names (`--probe-columns`).";
    if (c.visionSteps() > 0)
      s += String.format(Locale.ROOT, " The first %,d steps trained the vision tower alone on the patch probe (`--vision-steps %d`).", c.visionSteps(), c.visionSteps());
    return s;
  }
}
