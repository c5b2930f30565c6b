package dev.dualproc.distill;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.tasks.ControlParams;
import dev.dualproc.tasks.Preset;
import dev.dualproc.tasks.Presets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import javax.imageio.ImageIO;

/**
 * Fills a spec's defaults (the reference's, paper-brief §1.6) and checks every field before any model loads. Errors
 * start with the field path. Overlay image paths are resolved against {@code baseDir} and made absolute.
 */
public final class TaskSpecCheck {
  private TaskSpecCheck() {}

  public static final Set<String> TIMESTEP_RULES = Set.of("auto", "one-step", "uniform");
  public static final Set<String> MODES = Set.of("transparent", "solid");

  public static TaskSpec resolve(TaskSpec s, Path baseDir) {
    List<String> prompts = texts(s.prompts(), "prompts");
    if (prompts.isEmpty()) throw new DualprocException("prompts: at least one prompt is needed (--prompt or prompts: in the spec)");
    List<String> evalPrompts = s.evalPrompts() == null || s.evalPrompts().isEmpty() ? prompts : texts(s.evalPrompts(), "eval_prompts");

    TaskSpec.Control control = null;
    Preset preset = null;
    if (s.control() != null) {
      if (s.control().preset() == null) throw new DualprocException("control.preset: missing; expected one of " + String.join(", ", Presets.names()));
      preset = Presets.get(s.control().preset(), "control.preset");
      control = new TaskSpec.Control(preset.name(), ControlParams.check(preset.name(), s.control().params(), "control.params"));
    }

    List<TaskSpec.Question> questions = new ArrayList<>();
    if (s.questions() != null && !s.questions().isEmpty()) {
      if (s.questions().size() > TaskSpec.MAX_QUESTIONS)
        throw new DualprocException("questions: at most " + TaskSpec.MAX_QUESTIONS + " (question, answer) pairs, got " + s.questions().size());
      for (int i = 0; i < s.questions().size(); i++) questions.add(question(s.questions().get(i), "questions[" + i + "]", baseDir));
    } else if (preset != null && !preset.questions().isEmpty()) {
      TaskSpec.Overlay ov = preset.hasOverlay() ? new TaskSpec.Overlay(null, preset.name(), control.params()) : null;
      for (String q : Presets.questions(preset.name(), control.params()))
        questions.add(new TaskSpec.Question(q, preset.answer(), ov, ov == null ? null : preset.mode()));
    }
    if (questions.isEmpty())
      throw new DualprocException("questions: at least one (question, answer) pair is needed (--question and --answer, questions: in the spec, or a --preset other than free)");

    int steps = range(or(s.steps(), 100), 1, 1_000_000, "steps");
    double lr = positive(or(s.lr(), 5e-5), 1.0, "lr");
    int rank = range(or(s.rank(), 16), 1, 4096, "rank");
    double alpha = positive(or(s.alpha(), 8.0), 1e6, "alpha");
    double trainWeight = positive(or(s.trainWeight(), 5.0), 1e6, "train_weight");
    long trainSeed = nonNegative(or(s.trainSeed(), 100L), "train_seed");
    int trainN = range(or(s.trainN(), steps), 1, steps, "train_n");
    List<Long> evalSeeds = s.evalSeeds() == null ? List.of(0L, 1L, 2L, 3L, 4L) : List.copyOf(s.evalSeeds());
    if (evalSeeds.isEmpty()) throw new DualprocException("eval_seeds: at least one seed is needed");
    for (int i = 0; i < evalSeeds.size(); i++) nonNegative(evalSeeds.get(i), "eval_seeds[" + i + "]");
    String timestep = or(s.timestep(), "auto");
    if (!TIMESTEP_RULES.contains(timestep)) throw new DualprocException("timestep: expected auto, one-step or uniform, got '" + timestep + "'");
    long timestepSeed = nonNegative(or(s.timestepSeed(), 0L), "timestep_seed");
    long loraSeed = nonNegative(or(s.loraSeed(), 0L), "lora_seed");
    double gradClip = positive(or(s.gradClip(), 1.0), 1e9, "grad_clip");
    double weightDecay = or(s.weightDecay(), 0.0);
    if (!(weightDecay >= 0 && weightDecay < 1)) throw new DualprocException("weight_decay: expected a number in [0, 1), got " + weightDecay);
    int readoutEvery = range(or(s.readoutEvery(), 10), 0, 1_000_000, "readout_every");
    int checkpointEvery = range(or(s.checkpointEvery(), 10), 0, 1_000_000, "checkpoint_every");
    String generator = modelRef(or(s.generator(), "world"), "generator", baseDir);
    List<String> critics = critics(s, baseDir);
    String critic = critics.size() == 1 ? critics.get(0) : null;
    String device = or(s.device(), "cpu");
    if (!device.matches("cpu|cuda(:\\d+)?")) throw new DualprocException("device: expected cpu, cuda or cuda:N, got '" + device + "'");
    String dtype = or(s.dtype(), "auto");
    if (!Set.of("auto", "float32", "bfloat16").contains(dtype))
      throw new DualprocException("dtype: expected auto, float32 or bfloat16, got '" + dtype + "'");
    if (dtype.equals("auto")) dtype = device.equals("cpu") ? "float32" : "bfloat16"; // the reference runs bf16 on GPUs

    List<String> loraTargets = loraTargets(s.loraTargets());
    int views = range(or(s.views(), 1), 1, MAX_VIEWS, "views");
    TaskSpec.ViewAugment viewAugment = viewAugment(s.viewAugment(), views);
    double anchorWeight = or(s.anchorWeight(), 0.0);
    if (!(anchorWeight >= 0 && anchorWeight <= 1e6)) throw new DualprocException("anchor_weight: expected a number in [0, 1e6], got " + anchorWeight);
    double priorWeight = or(s.priorWeight(), 0.0);
    if (!(priorWeight >= 0 && priorWeight <= 1e6)) throw new DualprocException("prior_weight: expected a number in [0, 1e6], got " + priorWeight);
    String priorMode = Prior.Mode.parse(or(s.priorMode(), "denoise")).yamlName();

    return new TaskSpec(prompts, evalPrompts, control, List.copyOf(questions), steps, lr, rank, alpha, trainWeight, trainSeed,
        trainN, evalSeeds, timestep, timestepSeed, loraSeed, gradClip, weightDecay, readoutEvery, checkpointEvery,
        generator, critic, device, dtype, critics.size() == 1 ? null : critics, loraTargets, views, viewAugment, anchorWeight, priorWeight, priorMode);
  }

  public static final int MAX_VIEWS = 64, MAX_CRITICS = 8;

  /** One critic (critic: REF), or an ensemble (critics: [REF, ...]); default world. */
  private static List<String> critics(TaskSpec s, Path baseDir) {
    if (s.critics() == null || s.critics().isEmpty()) return List.of(modelRef(or(s.critic(), "world"), "critic", baseDir));
    if (s.critic() != null) throw new DualprocException("critic, critics: give one critic (critic: REF) or an ensemble (critics: [REF, ...]), not both");
    if (s.critics().size() > MAX_CRITICS) throw new DualprocException("critics: at most " + MAX_CRITICS + " critics, got " + s.critics().size());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.critics().size(); i++) {
      String r = s.critics().get(i);
      if (r == null || r.isBlank()) throw new DualprocException("critics[" + i + "]: empty; expected world, a path or an HF repo id owner/name");
      out.add(modelRef(r.strip(), "critics[" + i + "]", baseDir));
    }
    return List.copyOf(out);
  }

  /** Group names (LoraTargets.GROUPS) or module-name patterns; which modules they match is checked on the generator. */
  private static List<String> loraTargets(List<String> in) {
    if (in == null || in.isEmpty()) return List.of(LoraTargets.ALL);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      String t = in.get(i) == null ? "" : in.get(i).strip();
      if (!LoraTargets.GROUPS.contains(t) && !LoraTargets.isPattern(t))
        throw new DualprocException("lora_targets[" + i + "]: '" + t + "' is neither a group (" + String.join(", ", LoraTargets.GROUPS)
            + ") nor a module-name pattern (letters, digits, _, . and the wildcard *)");
      out.add(t);
    }
    return List.copyOf(out);
  }

  /** Null with one plain view; with several views, the defaults fill what is left out. */
  private static TaskSpec.ViewAugment viewAugment(TaskSpec.ViewAugment a, int views) {
    if (a == null && views == 1) return null;
    if (a == null) a = new TaskSpec.ViewAugment(null, null, null, null);
    int shift = range(or(a.shift(), 2), 0, 64, "view_augment.shift");
    double blur = or(a.blur(), 1.0);
    if (!(blur >= 0 && blur <= 16)) throw new DualprocException("view_augment.blur: expected a sigma in [0, 16] pixels, got " + blur);
    double noise = or(a.noise(), 0.02);
    if (!(noise >= 0 && noise <= 1)) throw new DualprocException("view_augment.noise: expected a standard deviation in [0, 1], got " + noise);
    long seed = nonNegative(or(a.seed(), 0L), "view_augment.seed");
    return new TaskSpec.ViewAugment(shift, blur, noise, seed, or(a.withOverlay(), false));
  }

  private static TaskSpec.Question question(TaskSpec.Question q, String field, Path baseDir) {
    if (q == null) throw new DualprocException(field + ": empty entry; expected question and answer");
    if (q.question() == null || q.question().isBlank()) throw new DualprocException(field + ".question: missing");
    if (q.answer() == null || q.answer().isBlank()) throw new DualprocException(field + ".answer: missing");
    TaskSpec.Overlay ov = q.overlay() == null ? null : overlay(q.overlay(), field + ".overlay", baseDir);
    String mode = q.mode();
    if (ov == null && mode != null) throw new DualprocException(field + ".mode: set, but the question has no overlay");
    if (ov != null && mode == null) mode = ov.preset() != null ? Presets.get(ov.preset(), field).mode() : "transparent";
    if (mode != null && !MODES.contains(mode))
      throw new DualprocException(field + ".mode: expected transparent or solid, got '" + mode + "'");
    return new TaskSpec.Question(q.question().strip(), q.answer().strip(), ov, mode);
  }

  private static TaskSpec.Overlay overlay(TaskSpec.Overlay o, String field, Path baseDir) {
    if ((o.image() == null) == (o.preset() == null))
      throw new DualprocException(field + ": expected exactly one of image (a file) or preset (a renderer with params)");
    if (o.image() != null) {
      if (o.params() != null) throw new DualprocException(field + ".params: only a preset overlay takes params");
      Path p = baseDir.resolve(o.image()).toAbsolutePath().normalize();
      if (!Files.isRegularFile(p)) throw new DualprocException(field + ".image: no such file (" + p + ")");
      try {
        if (ImageIO.read(p.toFile()) == null) throw new DualprocException(field + ".image: not a PNG or JPEG image (" + p + ")");
      } catch (IOException e) {
        throw new DualprocException(field + ".image: cannot read (" + p + ": " + e.getMessage() + ")");
      }
      return new TaskSpec.Overlay(p.toString(), null, null);
    }
    Preset p = Presets.get(o.preset(), field + ".preset");
    if (!p.hasOverlay()) throw new DualprocException(field + ".preset: preset " + p.name() + " has no overlay");
    return new TaskSpec.Overlay(null, p.name(), ControlParams.check(p.name(), o.params(), field + ".params"));
  }

  /** world, an existing folder or file (made absolute), or an HF repo id (owner/name) for the local HF cache. */
  private static String modelRef(String ref, String field, Path baseDir) {
    if (ref.equals("world")) return ref;
    Path p = baseDir.resolve(ref).toAbsolutePath().normalize();
    if (Files.exists(p)) return p.toString();
    if (ref.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+") && !ref.startsWith(".")) return ref;
    throw new DualprocException(field + ": no such model folder or file (" + p + "); expected world, a path or an HF repo id owner/name");
  }

  private static List<String> texts(List<String> in, String field) {
    if (in == null) return List.of();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      String t = in.get(i);
      if (t == null || t.isBlank()) throw new DualprocException(field + "[" + i + "]: empty prompt");
      out.add(t.strip());
    }
    return List.copyOf(out);
  }

  private static <T> T or(T v, T dflt) { return v == null ? dflt : v; }

  private static int range(int v, int min, int max, String field) {
    if (v < min || v > max) throw new DualprocException(field + ": expected " + min + ".." + max + ", got " + v);
    return v;
  }

  private static double positive(double v, double max, String field) {
    if (!(v > 0 && v <= max)) throw new DualprocException(field + ": expected a number in (0, " + max + "], got " + v);
    return v;
  }

  private static long nonNegative(long v, String field) {
    if (v < 0) throw new DualprocException(field + ": expected a seed >= 0, got " + v);
    return v;
  }
}
