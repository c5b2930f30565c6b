package dev.dualproc.world.train;

import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Progress;
import dev.dualproc.model.flux.FluxPipeline;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chunk of `dualproc world train generator`: opens (or resumes) the state folder, trains until the chunk's step or
 * time budget is spent or a stop is asked (Ctrl-C / SIGTERM through a shutdown hook), checkpointing on the way and at
 * the end, then optionally exports the pipeline folder with its model card and held-out figures.
 */
public final class GeneratorTraining {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratorTraining.class);
  static final long SHUTDOWN_WAIT_SECONDS = 300;
  static final int AE_EVAL_IMAGES = 64;

  private GeneratorTraining() {}

  /**
   * {@code steps}/{@code minutes}: this chunk's budget (0 = no limit of that kind; at least one must be set);
   * {@code out}: the pipeline folder to write at the end, or null; {@code evalCount}: held-out captions for the card;
   * {@code guidanceScale}: the exported pipeline's classifier-free guidance (1 = none); {@code initFrom}: an exported
   * pipeline to warm-start a fresh state from, or null; {@code objectWeight}: the flow loss's extra weight on latent
   * cells under objects (0: the plain mean), fixed for a state; {@code lr}: the transformer's learning rate (NaN: the
   * config's), fixed for a state; {@code transformerFrom}: an exported pipeline whose transformer and text encoders
   * (not its autoencoder) start this state's, before its first transformer step, or null; {@code bf16}: the
   * transformer's forward passes in bf16 autocast, fixed for a state; {@code repa}: the weight of representation
   * alignment to the vision encoder in {@code repaEncoder} (0: off), fixed for a state; {@code sceneMap}: the weight of
   * the scene-map head's cross-entropy ({@link SceneMap}; 0: off), fixed for a state; {@code blobFraction}: the share of
   * each batch noised from its scene with the objects as blobs ({@link Blobs}; 0: off), fixed for a state;
   * {@code layoutFromNoise}: each scene's free layout chosen by its own noise ({@link dev.dualproc.world.LayoutCode}),
   * fixed for a state; {@code highT}: the share of each batch drawn at t in [0.9, 1), fixed for a state;
   * {@code localObjectCodes}: with {@code layoutFromNoise}, each object stands on its best-scoring noise token
   * ({@link dev.dualproc.world.LayoutCode.TokenPlaces}), fixed for a state.
   */
  public record Options(Path state, GeneratorConfig config, long seed, Placement placement, long steps, double minutes,
      Path out, int evalCount, double guidanceScale, double checkpointMinutes, AtomicBoolean stop, Path initFrom, double objectWeight, double lr,
      Path transformerFrom, boolean bf16, double repa, Path repaEncoder, double sceneMap, double blobFraction,
      boolean layoutFromNoise, double highT, boolean localObjectCodes) {
    public Options(Path state, GeneratorConfig config, long seed, Placement placement, long steps, double minutes,
        Path out, int evalCount, double guidanceScale, double checkpointMinutes, AtomicBoolean stop, Path initFrom, double objectWeight, double lr) {
      this(state, config, seed, placement, steps, minutes, out, evalCount, guidanceScale, checkpointMinutes, stop, initFrom, objectWeight, lr, null, false, 0, null, 0, 0, false, 0, false);
    }

    public Options {
      if (localObjectCodes && !layoutFromNoise) throw new DualprocException("--local-object-codes: give --layout-from-noise too (it places the objects of the layout the noise chooses)");
      if (initFrom != null && transformerFrom != null)
        throw new DualprocException("--init-from and --transformer-from: give one (--init-from takes the whole pipeline, --transformer-from all but its autoencoder)");
      if (steps < 0 || minutes < 0) throw new DualprocException("--steps and --minutes must not be negative");
      if (!(guidanceScale >= 1)) throw new DualprocException("--guidance: expected a number >= 1 (1 = none), got " + guidanceScale);
      if (steps == 0 && minutes == 0) throw new DualprocException("give --steps N or --minutes M (this chunk's budget)");
    }
  }

  public record Summary(long aeStep, long step, double seconds, double secondsPerStep, boolean stoppedEarly, GeneratorEval.Report eval) {}

  public static Summary run(Options o) {
    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      o.stop().set(true); // the loop stops at the next step boundary and checkpoints
      try { saved.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS); } catch (InterruptedException ignored) { }
    }, "dualproc-generator-checkpoint");
    try {
      GeneratorTrainer t = GeneratorTrainer.open(o.state(), o.config(), o.seed(), o.placement());
      if (o.initFrom() != null && t.totalSteps() == 0) t.warmStartFrom(o.initFrom());
      else if (o.initFrom() != null) LOG.info("{}: resuming at step {}; --init-from applies to a fresh state only", o.state(), t.totalSteps());
      if (o.transformerFrom() != null && t.transformerFrom == null) t.transformerFrom(o.transformerFrom());
      else if (o.transformerFrom() != null) LOG.info("{}: its transformer already started from {}; --transformer-from ignored", o.state(), t.transformerFrom);
      t.setObjectWeight(o.objectWeight());
      t.setLr(o.lr());
      t.setBf16(o.bf16());
      t.setRepa(o.repa(), o.repaEncoder());
      t.setSceneMap(o.sceneMap());
      t.setBlobFraction(o.blobFraction());
      t.setLayoutFromNoise(o.layoutFromNoise());
      t.setHighT(o.highT());
      t.setLocalObjectCodes(o.localObjectCodes());
      t.log(String.format(Locale.ROOT, "chunk start: config %s seed %d object weight %s lr %.3g" + (t.bf16() ? " bf16" : "") + (t.repaWeight() > 0 ? " repa " + t.repaWeight() : "")
          + (t.sceneMapWeight() > 0 ? " scene map " + t.sceneMapWeight() : "") + (t.blobFraction() > 0 ? " blob fraction " + t.blobFraction() : "")
          + (t.layoutFromNoise() ? " layout from noise" : "") + (t.localObjectCodes() ? " local object codes" : "") + (t.highT() > 0 ? " high t " + t.highT() : "") + " at ae step %d/%d, flow step %d; budget %d steps, %.1f minutes; "
          + "%d libtorch threads, OPENBLAS_NUM_THREADS=%s", o.config().name(), o.seed(), t.objectWeight(), t.lr(), t.aeStep(), o.config().aeSteps(), t.step(),
          o.steps(), o.minutes(), org.bytedeco.pytorch.global.torch.get_num_threads(), System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset")));
      Runtime.getRuntime().addShutdownHook(hook);
      long start = System.nanoTime(), lastSave = start, done = 0;
      double trainSeconds = 0;
      try (Progress p = Progress.start("world generator", o.steps() > 0 ? t.totalSteps() + o.steps() : -1, t.totalSteps())) {
        while (!o.stop().get()) {
          if (o.steps() > 0 && done >= o.steps()) break;
          if (o.minutes() > 0 && (System.nanoTime() - start) / 60e9 >= o.minutes()) break;
          double before = t.seconds();
          GeneratorTrainer.StepResult r = t.trainStep();
          trainSeconds += t.seconds() - before;
          done++;
          String line = String.format(Locale.ROOT, "%s %d loss %.4f grad %.3f lr %.2e", r.phase(), r.step(), r.loss(), r.gradNorm(), r.lr())
              + (r.phase().equals("flow") && t.repaWeight() > 0 ? String.format(Locale.ROOT, " repa %.4f", t.lastRepa) : "")
              + (r.phase().equals("flow") && t.sceneMapWeight() > 0 ? String.format(Locale.ROOT, " map %.4f", t.lastSceneMap) : "");
          p.stepTo(t.totalSteps(), line);
          if (r.step() <= 10 || r.step() % 25 == 0) t.log(line + String.format(Locale.ROOT, " s/step %.3f", trainSeconds / done));
          if (o.checkpointMinutes() > 0 && (System.nanoTime() - lastSave) / 60e9 >= o.checkpointMinutes()) {
            checkpoint(t, false);
            lastSave = System.nanoTime();
          }
        }
      }
      checkpoint(t, o.stop().get());
      boolean early = o.stop().get();
      double perStep = done == 0 ? 0 : trainSeconds / done;
      t.log(String.format(Locale.ROOT, "chunk end: %d steps, %.3f s/step; now ae step %d, flow step %d, %.0f s of training in all%s",
          done, perStep, t.aeStep(), t.step(), t.seconds(), early ? " (stopped)" : ""));
      saved.countDown();
      GeneratorEval.Report report = null;
      if (o.out() != null && !early) report = export(t, o.out(), o.evalCount(), o.guidanceScale());
      return new Summary(t.aeStep(), t.step(), t.seconds(), perStep, early, report);
    } finally {
      saved.countDown();
      try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) { }
    }
  }

  /** The resume state, and (unless stopping) a progress picture in {@code samples/}. */
  static void checkpoint(GeneratorTrainer t, boolean stopping) {
    t.save();
    if (stopping) return; // a shutdown leaves no time for pictures
    try {
      GeneratorSamples.write(t, t.stateDir.resolve("samples").resolve(String.format(Locale.ROOT, "ckpt-%09d.png", t.totalSteps())));
    } catch (RuntimeException e) {
      LOG.warn("could not write the progress picture: {}", e.getMessage());
    }
  }

  /** Writes the pipeline beside {@code out}, opens it, measures it on held-out captions, writes the card, swaps it in. */
  public static GeneratorEval.Report export(GeneratorTrainer t, Path out, int evalCount, double guidanceScale) {
    Path tmp = GeneratorExport.writeTemporary(t, out, guidanceScale);
    GeneratorEval.Report report = null;
    double aeL1 = Double.NaN;
    try (FluxPipeline p = FluxPipeline.open(tmp, Placement.cpu(), 0, 0, 0)) {
      if (evalCount > 0) {
        report = GeneratorEval.run(p, GeneratorTrainer.HELD_OUT_FIRST_SEED, evalCount, null);
        aeL1 = GeneratorEval.reconstructionL1(p.ae, GeneratorTrainer.HELD_OUT_FIRST_SEED, AE_EVAL_IMAGES, p.width());
      }
    }
    long bytes = GeneratorExport.weightBytes(tmp);
    AtomicFiles.writeString(tmp.resolve("MODEL_CARD.md"), ModelCard.text(t, report, aeL1, bytes, guidanceScale));
    GeneratorExport.replace(tmp, out);
    t.log(String.format(Locale.ROOT, "exported %s (%.1f MB of weights)%s", out, bytes / 1e6,
        report == null ? "" : String.format(Locale.ROOT, "; held-out: objects %.3f, valid %.3f", report.objects(), report.valid())));
    if (bytes > 20_000_000L) LOG.warn("{}: {} MB of weights, over the 20 MB budget of the built-in generator", out, bytes / 1_000_000);
    return report;
  }
}
