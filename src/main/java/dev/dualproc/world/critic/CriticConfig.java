package dev.dualproc.world.critic;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.vlm.TinyIdefics.Spec;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaQuestions;
import java.util.List;

/**
 * The built-in critic's sizes (an Idefics3-family model: SigLIP on 64x64 images in 8x8 patches, pixel shuffle by 2 to
 * 16 image tokens or, in the tiny4 configs, by 4 to 4; a small Llama decoder with tied embeddings) and its training
 * hyperparameters.
 *
 * @param batch VQA items per step
 * @param lr AdamW learning rate after a linear warm-up of {@code warmup} steps (constant after: runs are open-ended)
 * @param noise image augmentation: Gaussian pixel noise of a standard deviation drawn per image from [0, noise], in
 *     [-1, 1] units (generated images are noisier than rendered ones)
 * @param stopWeight weight of the end-of-answer term (predict {@code <end_of_utterance>} after the answer), which
 *     makes greedy answers one word; the answer loss itself is the critic's
 * @param tasks the question families trained on (VqaGenerator.TASKS names), all by default
 * @param captions caption items per step ({@link #CAPTION_QUESTION} answered with a {@link DenseCaption} of
 *     the image, weight {@code captionWeight}, on the images of the step's first VQA items): balanced yes/no questions carry no signal
 *     in the image alone (only image and question together decide), a plateau a model trained from scratch leaves
 *     slowly; captioning makes the vision features informative first, as VLM pre-training does
 * @param probeWeight weight of the {@link PatchProbe} loss (0: no probe): each vision patch predicts what the renderer put
 *     there, so the patches carry the facts the questions ask about from the start
 * @param visionSteps the run's first steps train the vision tower alone on the {@link PatchProbe} loss (no questions, no
 *     decoder: a fraction of a full step's cost), as a real VLM's tower comes pretrained; needs {@code probeWeight > 0}
 * @param autocast run the training forward pass under bf16 autocast (fp32 weights, optimizer and loss; faster on CPUs
 *     with bf16 instructions)
 * @param horizonNearMiss the horizon's nearest hard No item, px at 64 (ItemRecipe)
 * @param horizonGrade graded horizon items with soft answers of this width, px at 64 (0: hard items; ItemRecipe)
 * @param lineWeightGrade graded line-weight items with soft answers of this width, px at 64 (0: hard items; ItemRecipe)
 * @param leftRightSides the share of left-right items asked about one object's side of the image (0: comparisons only;
 *     ItemRecipe)
 * @param probeColumns the question probe also reads, from the decoder's answer state, the columns of the objects a
 *     left-right question names ({@link QuestionProbe}; needs {@code probeWeight > 0})
 */
public record CriticConfig(String name, Spec spec, int batch, double lr, int warmup, double weightDecay, double gradClip,
    double noise, double stopWeight, List<String> tasks, int captions, double captionWeight, boolean autocast, double probeWeight,
    int visionSteps, double horizonNearMiss, double horizonGrade, double lineWeightGrade, double leftRightSides,
    boolean probeColumns) {

  /** The configs before the horizon's near miss was a setting: the original 4 px. */
  public CriticConfig(String name, Spec spec, int batch, double lr, int warmup, double weightDecay, double gradClip,
                      double noise, double stopWeight, List<String> tasks, int captions, double captionWeight, boolean autocast,
                      double probeWeight, int visionSteps) {
    this(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight,
        visionSteps, VqaQuestions.HORIZON_NEAR_MISS, 0, 0, 0, false);
  }

  public static final String CAPTION_QUESTION = "Describe the image.";

  public CriticConfig {
    tasks = List.copyOf(tasks);
    if (horizonNearMiss == 0) horizonNearMiss = VqaQuestions.HORIZON_NEAR_MISS; // run states written before the setting
    if (!(horizonNearMiss > 0 && horizonNearMiss < 10)) throw new DualprocException("--horizon-near-miss: expected pixels at 64 in (0, 10), got " + horizonNearMiss);
    if (!(horizonGrade >= 0 && horizonGrade <= 10)) throw new DualprocException("--horizon-grade: expected pixels at 64 in [0, 10] (0: hard answers), got " + horizonGrade);
    if (!(lineWeightGrade >= 0 && lineWeightGrade <= 4)) throw new DualprocException("--line-weight-grade: expected pixels at 64 in [0, 4] (0: hard answers), got " + lineWeightGrade);
    if (!(leftRightSides >= 0 && leftRightSides <= 1)) throw new DualprocException("--left-right-sides: expected a share in [0, 1] (0: comparisons only), got " + leftRightSides);
    if (tasks.isEmpty()) throw new DualprocException("--tasks: expected at least one question family");
    if (visionSteps < 0) throw new DualprocException("--vision-steps: expected a number >= 0, got " + visionSteps);
    if (probeColumns && !(probeWeight > 0)) throw new DualprocException("--probe-columns reads the question probe: give --probe-weight > 0 too");
    if (visionSteps > 0 && !(probeWeight > 0)) throw new DualprocException("--vision-steps trains the tower on the patch probe: give --probe-weight > 0 too");
    if (captions < 0 || captions > batch) throw new DualprocException("captions per step must be in 0.." + batch + ", got " + captions);
    for (String t : tasks)
      if (!VqaGenerator.TASKS.contains(t)) throw new DualprocException("--tasks: unknown question family '" + t + "'; expected some of " + VqaGenerator.TASKS);
  }

  public static final int IMAGE_SIZE = 64;

  /** About 5M parameters (10 MB in bf16). */
  public static CriticConfig small() {
    return new CriticConfig("small", new Spec(192, 768, 4, 3, IMAGE_SIZE, 8, 256, 768, 4, 4, 2, 64, 0, 0, 0, 0, 2, true),
        32, 5e-4, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /** About 1.3M parameters: faster steps, for comparison and quick runs. */
  public static CriticConfig tiny() {
    return new CriticConfig("tiny", new Spec(128, 512, 3, 2, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 2, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny with pixel shuffle by 4: 4 image tokens, each a quadrant of the image. A from-scratch decoder learns global
   * image facts (time of day) in a few hundred steps but facts held by one of 16 tokens (is there a car?) only after a
   * long plateau: it must first learn to pick the token the question is about; fewer, wider tokens shorten that search.
   */
  public static CriticConfig tiny4() {
    return new CriticConfig("tiny4", new Spec(128, 512, 3, 2, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 4, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny4 with four query and four key/value heads of 32 in every attention and a fourth decoder layer: a lookup (the
   * question's word, then the image token that holds it) needs heads whose keys serve different purposes, which one
   * shared key/value head of tiny4 cannot give.
   */
  public static CriticConfig tiny4h() {
    return new CriticConfig("tiny4h", new Spec(128, 512, 3, 4, IMAGE_SIZE, 8, 128, 384, 4, 4, 4, 32, 0, 0, 0, 0, 4, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny4 with a finer vision tower: 4x4-pixel patches (a 16x16 grid), four layers of four heads, pixel shuffle by 8 to
   * the same 4 image tokens. The probes showed tiny4's decoder reading the question right while its 8x8-patch tower
   * named the kind of under half the object patches: the tower, not the lookup, held it back.
   */
  public static CriticConfig tiny4p4() {
    return new CriticConfig("tiny4p4", new Spec(128, 512, 4, 4, IMAGE_SIZE, 4, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 8, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny4 with the small config's wider tower (192 wide, MLP 768, four layers of three heads) on the same 8x8 patches:
   * the probe readout showed tiny4's tower learning to see the objects slowly (a kind present or not right 78% after
   * 19,000 tower steps).
   */
  public static CriticConfig tiny4w() {
    return new CriticConfig("tiny4w", new Spec(192, 768, 4, 3, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 4, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny4w with pixel shuffle by 2: 16 image tokens, each 16x16 pixels. tiny4w's four quadrant tokens squeeze 16
   * patches into 128 numbers each, and its critic stayed at chance on left-right after 80,000 steps while it read
   * every one-object family; which of two objects in one quadrant is further left must survive that squeeze.
   */
  public static CriticConfig tiny2w() {
    return new CriticConfig("tiny2w", new Spec(192, 768, 4, 3, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 2, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /**
   * tiny4w without a pixel shuffle: 64 image tokens, one per 8x8 patch. Where an object is lives in which token shows it
   * (docs/critic-study.md, stage 6); with one patch per token, attention can select the named object's own patches by
   * what they show, and each patch keeps its column (the patch probe's own-column target), so the selected values say
   * where the object is.
   */
  public static CriticConfig tiny1w() {
    return new CriticConfig("tiny1w", new Spec(192, 768, 4, 3, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 1, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /** tiny4 with a tower wider still (256, MLP 1024, four layers of four heads): is wider better per hour too? */
  public static CriticConfig tiny4x() {
    return new CriticConfig("tiny4x", new Spec(256, 1024, 4, 4, IMAGE_SIZE, 8, 128, 384, 3, 2, 1, 64, 0, 0, 0, 0, 4, true),
        32, 1e-3, 100, 0.01, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 8, 0.5, true, 0.0, 0);
  }

  /** A few thousand parameters, for tests (patches of 16: 4 image tokens). */
  public static CriticConfig micro() {
    return new CriticConfig("micro", new Spec(16, 32, 1, 2, IMAGE_SIZE, 16, 16, 32, 1, 2, 1, 8, 0, 0, 0, 0, 2, true),
        4, 1e-3, 2, 0.0, 1.0, 0.03, 0.1, VqaGenerator.TASKS, 2, 0.5, false, 0.0, 0);
  }

  public static final List<String> NAMES = List.of("small", "tiny", "tiny4", "tiny4h", "tiny4p4", "tiny4w", "tiny2w", "tiny1w", "tiny4x", "micro");

  public static CriticConfig named(String name) {
    return switch (name) {
      case "small" -> small();
      case "tiny" -> tiny();
      case "tiny4" -> tiny4();
      case "tiny4h" -> tiny4h();
      case "tiny4p4" -> tiny4p4();
      case "tiny4w" -> tiny4w();
      case "tiny2w" -> tiny2w();
      case "tiny1w" -> tiny1w();
      case "tiny4x" -> tiny4x();
      case "micro" -> micro();
      default -> throw new DualprocException("--config: expected one of " + NAMES + ", got '" + name + "'");
    };
  }

  public CriticConfig withBatch(int b) {
    if (b < 1) throw new DualprocException("--batch: expected at least 1, got " + b);
    return new CriticConfig(name, spec, b, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, Math.min(captions, b), captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withLr(double l) {
    if (!(l > 0)) throw new DualprocException("--lr: expected a positive number, got " + l);
    return new CriticConfig(name, spec, batch, l, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withTasks(List<String> t) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, t, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withCaptions(int n) { return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, n, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns); }

  public CriticConfig withAutocast(boolean on) { return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, on, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns); }

  public CriticConfig withProbeWeight(double w) {
    if (!(w >= 0)) throw new DualprocException("--probe-weight: expected a number >= 0, got " + w);
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, w, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withVisionSteps(int n) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, n, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withHorizonNearMiss(double px) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, px, horizonGrade, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withHorizonGrade(double px) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, px, lineWeightGrade, leftRightSides, probeColumns);
  }

  public CriticConfig withLineWeightGrade(double px) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, px, leftRightSides, probeColumns);
  }

  public CriticConfig withLeftRightSides(double share) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, share, probeColumns);
  }

  public CriticConfig withProbeColumns(boolean on) {
    return new CriticConfig(name, spec, batch, lr, warmup, weightDecay, gradClip, noise, stopWeight, tasks, captions, captionWeight, autocast, probeWeight, visionSteps, horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides, on);
  }

  /** How the horizon, line-weight and left-right items are made (VqaQuestions). */
  public ItemRecipe itemRecipe() { return new ItemRecipe(horizonNearMiss, horizonGrade, lineWeightGrade, leftRightSides); }

  /** The learning rate at a step (0-based): linear warm-up, then constant. */
  public double lrAt(long step) { return warmup <= 0 ? lr : lr * Math.min(1.0, (step + 1) / (double) warmup); }
}
