package dev.dualproc.distill;

import dev.dualproc.cli.Version;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.*;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One teaching session on a run folder: opens the models, trains (resuming from state/ when asked), writes metrics,
 * readouts, checkpoints every N steps and on Ctrl-C/SIGTERM, then lora.safetensors, samples/, results.json and
 * report.html. A checkpoint at the last step with no results.json means only the evaluation is left; resume does it.
 */
public final class TeachRun {
  private static final Logger LOG = LoggerFactory.getLogger(TeachRun.class);
  /** How long a shutdown hook waits for the step in flight and the checkpoint. */
  static final long SHUTDOWN_WAIT_SECONDS = 300;

  public enum Outcome { FINISHED, INTERRUPTED }

  /**
   * {@code exportKohya}: also write lora-kohya.safetensors; {@code stop}: polled at step boundaries (the web studio's
   * Stop, the shutdown hook); {@code onStep}: told of every finished step, after metrics and checkpoint (progress views);
   * {@code onEvalImage}: shown every image of the final evaluation (measurements beyond results.json, e.g. the teaching table).
   */
  public record Options(boolean exportKohya, AtomicBoolean stop, java.util.function.Consumer<Teacher.StepResult> onStep,
                        java.util.function.Consumer<Evaluation.Image> onEvalImage) {
    public Options(boolean exportKohya, AtomicBoolean stop, java.util.function.Consumer<Teacher.StepResult> onStep) {
      this(exportKohya, stop, onStep, e -> {});
    }
    public static Options defaults() { return new Options(false, new AtomicBoolean(), r -> {}); }
    public Options withExportKohya(boolean k) { return new Options(k, stop, onStep, onEvalImage); }
  }

  private TeachRun() {}

  /** A new run: opens the models first (a bad reference leaves no run folder), then creates the folder and trains. */
  public record Started(RunFolder run, Outcome outcome) {}

  public static Started start(TaskSpec resolved, Path runsDir, Models models, Options options) {
    Placement placement = Placement.parse(resolved.device(), resolved.dtype());
    try (Generator generator = models.generator().apply(resolved.generator(), placement);
         Critic critic = CriticEnsemble.open(models.critic(), resolved.criticRefs(), placement)) {
      if (!LoraTargets.isReference(resolved.loraTargets())) LoraTargets.select(resolved.loraTargets(), generator); // fails before the folder exists
      RunFolder run = RunFolder.create(runsDir, resolved, LocalDateTime.now());
      LOG.info("run folder: {}", run.dir);
      return new Started(run, train(run, false, generator, critic, options));
    }
  }

  /** Trains on an existing run folder: from its checkpoint when {@code resume} (or from step 0 when it has none). */
  public static Outcome run(RunFolder run, boolean resume, Models models, Options options) {
    TaskSpec spec = run.spec();
    Placement placement = Placement.parse(spec.device(), spec.dtype());
    try (Generator generator = models.generator().apply(spec.generator(), placement);
         Critic critic = CriticEnsemble.open(models.critic(), spec.criticRefs(), placement)) {
      return train(run, resume, generator, critic, options);
    }
  }

  static Outcome train(RunFolder run, boolean resume, Generator generator, Critic critic, Options options) {
    TaskSpec spec = run.spec();
    String hash = run.specHash();
    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      options.stop().set(true); // the loop stops at the next step boundary and checkpoints
      try { saved.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS); } catch (InterruptedException ignored) { }
    }, "dualproc-teach-checkpoint");
    try {
      Teacher t = new Teacher(spec, run.dir, generator, critic);
      double[] seconds = {0};
      if (resume && Files.exists(run.checkpoint())) {
        Checkpoint.Info info = Checkpoint.load(run.checkpoint(), t, hash);
        seconds[0] = info.seconds();
        LOG.info("resuming {} at step {}/{}", run.dir, info.step(), spec.steps());
      } else if (resume) {
        LOG.info("{}: no checkpoint yet, starting from step 0", run.dir);
      }
      RunFolder.truncateJsonl(run.metrics(), t.step()); // steps after the checkpoint are redone
      RunFolder.truncateJsonl(run.readouts(), t.step());
      Runtime.getRuntime().addShutdownHook(hook);
      try (Progress progress = Progress.start("teach", spec.steps(), t.step())) {
        t.train(() -> options.stop().get(), r -> {
          seconds[0] += r.seconds();
          RunFolder.appendJsonl(run.metrics(), r);
          progress.stepTo(r.step(), String.format(Locale.ROOT, "loss %.4f p %.3f", r.loss(), r.p()));
          if (spec.readoutEvery() > 0 && r.step() % spec.readoutEvery() == 0) readout(run, t, r.step());
          if (spec.checkpointEvery() > 0 && r.step() % spec.checkpointEvery() == 0 && r.step() < spec.steps())
            save(run, t, hash, seconds[0], options);
          options.onStep().accept(r);
        });
      }
      save(run, t, hash, seconds[0], options);
      saved.countDown();
      if (t.step() < spec.steps()) {
        LOG.info("stopped at step {}/{}; state saved. Continue with: dualproc teach --resume {}", t.step(), spec.steps(), run.dir);
        return Outcome.INTERRUPTED;
      }
      finish(run, t, seconds[0], options.onEvalImage());
      return Outcome.FINISHED;
    } finally {
      saved.countDown();
      try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) { }
    }
  }

  /** The checkpoint (resume state) and the LoRA as it is now, both atomic. */
  static void save(RunFolder run, Teacher t, String hash, double seconds, Options options) {
    Checkpoint.save(run.checkpoint(), t, hash, seconds);
    writeLora(run, t, LoraFile.Format.PEFT, run.lora());
    if (options.exportKohya()) writeLora(run, t, LoraFile.Format.KOHYA, run.loraKohya());
  }

  static void writeLora(RunFolder run, Teacher t, LoraFile.Format format, Path file) {
    TaskSpec s = t.spec();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("dualproc_version", Version.get());
    meta.put("dualproc_task", readTask(run));
    meta.put("dualproc_generator", t.generator().identity());
    meta.put("dualproc_critic", t.critic().identity());
    meta.put("dualproc_rank", Integer.toString(s.rank()));
    meta.put("dualproc_alpha", Double.toString(s.alpha()));
    meta.put("dualproc_train_weight", Double.toString(s.trainWeight()));
    meta.put("dualproc_steps", Integer.toString(t.step()));
    meta.put("ss_base_model_version", t.generator().identity());
    t.generator().loraFile().write(file, t.lora(), s.trainWeight() * s.alpha() / s.rank(), format, meta);
  }

  /** The LoRA is reloaded from lora.safetensors first, so the samples and results show exactly what the file does. */
  static void finish(RunFolder run, Teacher t, double seconds, java.util.function.Consumer<Evaluation.Image> onEvalImage) {
    t.generator().loraFile().load(run.lora(), t.lora());
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("dualproc_version", Version.get());
    meta.put("generator", t.generator().identity());
    meta.put("critic", t.critic().identity());
    meta.put("step", Integer.toString(t.step()));
    VisualPrompt shown = t.questions().stream().map(AskedQuestion::visualPrompt).filter(Objects::nonNull).findFirst().orElse(null);
    Samples samples = new Samples(run.samples(), t.step(), meta, shown);
    List<Results.Entry> eval = Evaluation.run(t, t.spec().evalPrompts(), t.spec().evalSeeds(), e -> {
      samples.add(e);
      onEvalImage.accept(e);
    });
    Path grid = samples.writeGrid();
    int steps = t.step();
    Results results = new Results(steps, seconds, steps == 0 ? 0 : seconds / steps, eval, Results.summarize(eval));
    results.write(run.results());
    Report.write(run, results, grid);
    Results.Summary sum = results.summary();
    LOG.info(String.format(Locale.ROOT, "done: %s  vlm p off %.3f -> on %.3f%s", run.dir, sum.vlmP().off(), sum.vlmP().on(),
        sum.verifierPassRate() == null ? "" : String.format(Locale.ROOT, ", verifier pass rate %.2f -> %.2f",
            sum.verifierPassRate().off(), sum.verifierPassRate().on())));
  }

  /** readouts.jsonl gets the answers, samples/readout-<step>.png the image the critic saw (what a progress view streams). */
  private static void readout(RunFolder run, Teacher t, int step) {
    Teacher.Readout r = t.readout();
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", step);
    line.put("prompt", t.spec().evalPrompts().get(0));
    line.put("seed", t.spec().evalSeeds().get(0));
    line.put("answers", r.answers());
    RunFolder.appendJsonl(run.readouts(), line);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("step", Integer.toString(step));
    meta.put("prompt", t.spec().evalPrompts().get(0));
    meta.put("seed", Long.toString(t.spec().evalSeeds().get(0)));
    meta.put("answers", Samples.answers(r.answers()));
    Images.writePng(run.samples().resolve(String.format(Locale.ROOT, "readout-%06d.png", step)), r.image(), meta);
    LOG.info("readout step {}: {}", step, Samples.answers(r.answers()));
  }

  private static String readTask(RunFolder run) {
    try {
      return Files.readString(run.taskYaml());
    } catch (java.io.IOException e) {
      throw new DualprocException(run.taskYaml() + ": cannot read (" + e.getMessage() + ")", e);
    }
  }
}
