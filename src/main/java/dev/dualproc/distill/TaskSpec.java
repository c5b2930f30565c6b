package dev.dualproc.distill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * A teaching task as written in YAML (snake_case keys; unknown keys are errors). Fields left out are null here and get
 * the reference defaults in {@link TaskSpecCheck#resolve}; the resolved spec is what a run saves as task.yaml.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"prompts", "eval_prompts", "control", "questions", "steps", "lr", "rank", "alpha", "train_weight",
    "train_seed", "train_n", "eval_seeds", "timestep", "timestep_seed", "lora_seed", "grad_clip", "weight_decay",
    "readout_every", "checkpoint_every", "generator", "critic", "critics", "lora_targets", "views", "view_augment", "anchor_weight",
    "prior_weight", "prior_mode",    "device", "dtype"})
public record TaskSpec(
    List<String> prompts,          // training prompts, used in turn (step o uses prompt o % n)
    List<String> evalPrompts,      // default: the training prompts
    Control control,               // a preset: fills the questions when none are given, and picks the verifier
    List<Question> questions,      // at most 5 (question, answer) pairs; their losses are averaged
    Integer steps,                 // 100
    Double lr,                     // 5e-5
    Integer rank,                  // 16
    Double alpha,                  // 8 (PEFT's default lora_alpha)
    Double trainWeight,            // 5: adapter weight while training, scale = weight * alpha / rank
    Long trainSeed,                // 100: one seeded stream; step o uses its (o % train_n)-th noise
    Integer trainN,                // default steps: a new noise every step
    List<Long> evalSeeds,          // 0..4
    String timestep,               // auto | one-step | uniform
    Long timestepSeed,             // seeds the draw of the step index i (the reference leaves it unseeded)
    Long loraSeed,                 // seeds A's Gaussian init
    Double gradClip,               // 1.0
    Double weightDecay,            // 0
    Integer readoutEvery,          // p and greedy answer on a fixed seed every N steps (0: off)
    Integer checkpointEvery,       // 0: only at the end and on interrupt
    String generator,              // world | FOLDER
    String critic,                 // world | FOLDER
    String device,                 // cpu | cuda | cuda:N
    String dtype,                  // auto | float32 | bfloat16
    // teach options beyond the reference algorithm (README "Teach options"); their defaults are the reference
    List<String> critics,          // an ensemble of critic refs, answer losses averaged (resolved: null for one critic)
    List<String> loraTargets,      // [all]: the reference module set; else groups and/or module-name patterns
    Integer views,                 // 1: the decoded image itself; N > 1: the mean loss over N augmented copies
    ViewAugment viewAugment,       // how the views are augmented (null with one plain view)
    Double anchorWeight,           // 0: off; w * mean((x0 with LoRA - x0 without)^2) is added to the loss
    Double priorWeight,            // 0: off; w * mean((x0 latent - the base's denoising of it)^2) is added (Prior)
    String priorMode) {            // denoise | match (Prior.Mode)

  public static final int MAX_QUESTIONS = 5;

  /** A control preset and its parameters (tasks.ControlParams). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Control(String preset, Map<String, Object> params) {}

  /** One (question, answer) pair, with an optional visual prompt overlaid on the image the critic sees. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"question", "answer", "overlay", "mode"})
  public record Question(String question, String answer, Overlay overlay, String mode) {}

  /** An overlay: an image file (white = background), or a preset's renderer with parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"image", "preset", "params"})
  public record Overlay(String image, String preset, Map<String, Object> params) {}

  /**
   * Random augmentations of each view (seeded per step from {@code seed}, so a resumed run draws the same ones): a shift
   * of up to {@code shift} pixels each way (edges repeated), a Gaussian blur of sigma up to {@code blur} pixels, and
   * Gaussian noise of standard deviation {@code noise} (image range [-1, 1]). {@code withOverlay}: augment the image
   * with its overlay on it, so the overlay moves with the scene (default false: the overlay goes on afterwards, crisp
   * and in place).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"shift", "blur", "noise", "seed", "with_overlay"})
  public record ViewAugment(Integer shift, Double blur, Double noise, Long seed, Boolean withOverlay) {
    public ViewAugment(Integer shift, Double blur, Double noise, Long seed) { this(shift, blur, noise, seed, null); }
  }

  /** The critic refs: the ensemble, or the one critic. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public List<String> criticRefs() { return critics != null && !critics.isEmpty() ? critics : List.of(critic); }

  /** The same task with other questions (a run folder stores overlay files under its own paths). */
  public TaskSpec withQuestions(List<Question> qs) {
    return new TaskSpec(prompts, evalPrompts, control, qs, steps, lr, rank, alpha, trainWeight, trainSeed, trainN, evalSeeds,
        timestep, timestepSeed, loraSeed, gradClip, weightDecay, readoutEvery, checkpointEvery, generator, critic, device, dtype,
        critics, loraTargets, views, viewAugment, anchorWeight, priorWeight, priorMode);
  }

  /** The preset name, or null when the task has no control. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public String preset() { return control == null ? null : control.preset(); }
}
