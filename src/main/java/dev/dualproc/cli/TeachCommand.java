package dev.dualproc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.distill.*;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.tasks.Presets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `dualproc teach`: a task from --spec YAML and/or flags (flags win), checked in full before any model loads, then a
 * run folder under --runs. `--resume RUN` continues an interrupted run from its last checkpoint.
 */
@Command(name = "teach", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Teach the generator a control: a LoRA trained by asking the VLM questions about its images.",
        "Example: dualproc teach --preset horizon --value 0.3 --prompt \"a house and a tree on a meadow\""})
public final class TeachCommand implements Callable<Integer> {
  @Option(names = "--spec", paramLabel = "FILE", description = "task spec YAML; the flags below override its fields")
  Path spec;
  @Option(names = "--preset", paramLabel = "NAME", description = "control preset: palette, line-weight, horizon, depth, free")
  String preset;
  @Option(names = "--value", paramLabel = "V", description = "the preset's value: horizon 0..1 from the top; line-weight pixels; palette colours #RRGGBB,...; depth A or B (the closer point)")
  String value;
  @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a preset parameter, VALUE in YAML (e.g. a=[0.3,0.8])")
  List<String> params = new ArrayList<>();
  @Option(names = "--prompt", paramLabel = "TEXT", description = "training prompt (repeat for several)")
  List<String> prompts = new ArrayList<>();
  @Option(names = "--eval-prompt", paramLabel = "TEXT", description = "evaluation prompt (repeat; default: the training prompts)")
  List<String> evalPrompts = new ArrayList<>();
  @Option(names = "--question", paramLabel = "TEXT", description = "a question (repeat, at most 5; pairs with --answer in order)")
  List<String> questions = new ArrayList<>();
  @Option(names = "--answer", paramLabel = "TEXT", description = "the target answer of the question at the same position")
  List<String> answers = new ArrayList<>();
  @Option(names = "--overlay", paramLabel = "IMAGE", description = "visual prompt image for the --question pairs (white = background)")
  Path overlay;
  @Option(names = "--mode", paramLabel = "MODE", description = "overlay blend: transparent (50/50) or solid (non-white pixels replace)")
  String mode;
  @Option(names = "--generator", paramLabel = "REF", description = "world, a model folder/file, or an HF repo id")
  String generator;
  @Option(names = "--vlm", paramLabel = "REF", description = "the critic: world, a model folder, or an HF repo id (repeat for an ensemble: the answer losses are averaged)")
  List<String> vlms = new ArrayList<>();
  @Option(names = "--steps", paramLabel = "N", description = "optimizer steps (100)") Integer steps;
  @Option(names = "--lr", paramLabel = "X", description = "AdamW learning rate (5e-5)") Double lr;
  @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (16)") Integer rank;
  @Option(names = "--alpha", paramLabel = "A", description = "LoRA alpha (8, PEFT's default)") Double alpha;
  @Option(names = "--train-weight", paramLabel = "W", description = "LoRA weight while training, scale = weight * alpha / rank (5)") Double trainWeight;
  @Option(names = "--train-seed", paramLabel = "S", description = "seed of the training noises (100)") Long trainSeed;
  @Option(names = "--train-n", paramLabel = "N", description = "distinct training noises (default: one per step)") Integer trainN;
  @Option(names = "--eval-seeds", paramLabel = "A-B|A,B,...", description = "evaluation seeds (0-4)") String evalSeeds;
  @Option(names = "--timestep", paramLabel = "RULE", description = "auto, one-step (from pure noise) or uniform (no-grad rollout to a random step)") String timestep;
  @Option(names = "--readout-every", paramLabel = "N", description = "greedy answer and p on the first eval seed every N steps (10; 0 off)") Integer readoutEvery;
  @Option(names = "--checkpoint-every", paramLabel = "N", description = "resume state every N steps (10; 0: only at the end and on Ctrl-C)") Integer checkpointEvery;
  @Option(names = "--lora-targets", paramLabel = "LIST", split = ",", description = "modules that get the LoRA: groups (all, attention, mlp, modulation, context, double, single) and/or module-name patterns (all)")
  List<String> loraTargets = new ArrayList<>();
  @Option(names = "--views", paramLabel = "N", description = "score N augmented copies of each image and average the loss (1: the image itself)") Integer views;
  @Option(names = "--view-augment", paramLabel = "KEY=VALUE", description = "view augmentation: shift=PX, blur=SIGMA, noise=STD, seed=S, with_overlay=true (repeat)")
  List<String> viewAugment = new ArrayList<>();
  @Option(names = "--anchor-weight", paramLabel = "W", description = "weight of the L2 penalty between the images with and without the LoRA (0: off)") Double anchorWeight;
  @Option(names = "--prior-weight", paramLabel = "W", description = "weight of the generator's own denoiser as a prior: the taught latent against the base model's denoising of it, noised (0: off)") Double priorWeight;
  @Option(names = "--prior-mode", paramLabel = "MODE", description = "denoise (pull toward the base's estimate) or match (the base's estimate minus the LoRA's own: no pull where the LoRA changed nothing)") String priorMode;
  @Option(names = "--device", paramLabel = "DEV", description = "cpu, cuda or cuda:N (cpu)") String device;
  @Option(names = "--dtype", paramLabel = "T", description = "auto (float32 on cpu, bfloat16 on cuda), float32 or bfloat16") String dtype;
  @Option(names = "--runs", paramLabel = "DIR", description = "where run folders go (default: runs)")
  Path runs = Path.of("runs");
  @Option(names = "--export", paramLabel = "FORMAT", description = "also write the LoRA as kohya (lora-kohya.safetensors)")
  String export;
  @Option(names = "--resume", paramLabel = "RUN", description = "continue the run folder RUN from its last checkpoint")
  Path resume;

  private final Models models;

  public TeachCommand() { this(Models.REGISTERED); }

  /** With other model openers: tests run the command on tiny fixture models. */
  public TeachCommand(Models models) { this.models = models; }

  @Override public Integer call() {
    if (export != null && !export.equals("kohya")) throw new DualprocException("--export: expected kohya, got '" + export + "'");
    TeachRun.Options options = TeachRun.Options.defaults().withExportKohya("kohya".equals(export));
    ObjectNode patch = flags();
    if (resume != null) {
      if (spec != null || !patch.isEmpty())
        throw new DualprocException("--resume: the task is the run's task.yaml; give no --spec or task flags with --resume");
      RunFolder run = RunFolder.open(resume);
      return code(TeachRun.run(run, true, models, options), run);
    }
    ObjectNode tree = spec == null ? JsonNodeFactory.instance.objectNode() : TaskSpecYaml.readTree(spec);
    TaskSpecYaml.merge(tree, patch);
    String origin = spec == null ? "command line" : spec + " and the command line";
    Path baseDir = spec == null ? Path.of("").toAbsolutePath() : spec.toAbsolutePath().getParent();
    TaskSpec resolved = TaskSpecCheck.resolve(CriticTeachDefaults.apply(TaskSpecYaml.fromTree(tree, origin), baseDir), baseDir);
    TeachRun.Started started = TeachRun.start(resolved, runs, models, options);
    return code(started.outcome(), started.run());
  }

  private static int code(TeachRun.Outcome o, RunFolder run) {
    if (o == TeachRun.Outcome.FINISHED) { System.out.println("done: " + run.dir); return 0; }
    System.out.println("interrupted; continue with: dualproc teach --resume " + run.dir);
    return 130;
  }

  /** The task fields given as flags, in the spec's YAML shape (snake_case). */
  public ObjectNode flags() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    if (!prompts.isEmpty()) strings(n.putArray("prompts"), prompts);
    if (!evalPrompts.isEmpty()) strings(n.putArray("eval_prompts"), evalPrompts);
    if (preset != null || value != null || !params.isEmpty()) {
      ObjectNode control = n.putObject("control");
      if (preset != null) control.put("preset", preset);
      ObjectNode ps = control.putObject("params");
      if (value != null) {
        if (preset == null) throw new DualprocException("--value: needs --preset (which control the value is for)");
        Presets.get(preset, "--preset");
        switch (preset) {
          case "horizon", "line-weight" -> ps.set("value", TaskSpecYaml.scalar(value, "--value"));
          case "palette" -> strings(ps.putArray("colors"), List.of(value.split("\\s*,\\s*")));
          case "depth" -> ps.put("closer", value);
          default -> throw new DualprocException("--value: preset " + preset + " takes no value");
        }
      }
      for (String kv : params) {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new DualprocException("--param: expected KEY=VALUE, got '" + kv + "'");
        ps.set(kv.substring(0, eq).trim(), TaskSpecYaml.scalar(kv.substring(eq + 1), "--param " + kv.substring(0, eq).trim()));
      }
    }
    if (questions.size() != answers.size())
      throw new DualprocException("--question/--answer: " + questions.size() + " questions but " + answers.size() + " answers; give them in pairs");
    if ((overlay != null || mode != null) && questions.isEmpty())
      throw new DualprocException((overlay != null ? "--overlay" : "--mode") + ": applies to --question pairs; give at least one");
    if (!questions.isEmpty()) {
      ArrayNode qs = n.putArray("questions");
      for (int i = 0; i < questions.size(); i++) {
        ObjectNode q = qs.addObject().put("question", questions.get(i)).put("answer", answers.get(i));
        if (overlay != null) q.putObject("overlay").put("image", overlay.toAbsolutePath().toString());
        if (mode != null) q.put("mode", mode);
      }
    }
    if (steps != null) n.put("steps", steps);
    if (lr != null) n.put("lr", lr);
    if (rank != null) n.put("rank", rank);
    if (alpha != null) n.put("alpha", alpha);
    if (trainWeight != null) n.put("train_weight", trainWeight);
    if (trainSeed != null) n.put("train_seed", trainSeed);
    if (trainN != null) n.put("train_n", trainN);
    if (evalSeeds != null) { ArrayNode a = n.putArray("eval_seeds"); seeds(evalSeeds, "--eval-seeds").forEach(a::add); }
    if (timestep != null) n.put("timestep", timestep);
    if (readoutEvery != null) n.put("readout_every", readoutEvery);
    if (checkpointEvery != null) n.put("checkpoint_every", checkpointEvery);
    if (generator != null) n.put("generator", generator);
    if (vlms.size() == 1) n.put("critic", vlms.get(0));
    if (vlms.size() > 1) strings(n.putArray("critics"), vlms);
    if (!loraTargets.isEmpty()) strings(n.putArray("lora_targets"), loraTargets.stream().map(String::strip).toList());
    if (views != null) n.put("views", views);
    if (!viewAugment.isEmpty()) {
      ObjectNode a = n.putObject("view_augment");
      for (String kv : viewAugment) {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new DualprocException("--view-augment: expected KEY=VALUE (shift, blur, noise, seed or with_overlay), got '" + kv + "'");
        a.set(kv.substring(0, eq).trim(), TaskSpecYaml.scalar(kv.substring(eq + 1).trim(), "--view-augment " + kv.substring(0, eq).trim()));
      }
    }
    if (anchorWeight != null) n.put("anchor_weight", anchorWeight);
    if (priorWeight != null) n.put("prior_weight", priorWeight);
    if (priorMode != null) n.put("prior_mode", priorMode);
    if (device != null) n.put("device", device);
    if (dtype != null) n.put("dtype", dtype);
    return n;
  }

  private static void strings(ArrayNode a, List<String> values) { values.forEach(a::add); }

  /** "A-B" (inclusive) or "A,B,C". */
  static List<Long> seeds(String text, String field) {
    try {
      List<Long> out = new ArrayList<>();
      if (text.matches("\\s*\\d+\\s*-\\s*\\d+\\s*")) {
        String[] ab = text.split("-");
        long a = Long.parseLong(ab[0].trim()), b = Long.parseLong(ab[1].trim());
        if (b < a || b - a >= 10_000) throw new DualprocException(field + ": expected A-B with A <= B and at most 10000 seeds, got '" + text + "'");
        for (long s = a; s <= b; s++) out.add(s);
      } else {
        for (String s : text.split(",")) out.add(Long.parseLong(s.trim()));
      }
      return out;
    } catch (NumberFormatException e) {
      throw new DualprocException(field + ": expected seeds as A-B or A,B,C, got '" + text + "'");
    }
  }

}
