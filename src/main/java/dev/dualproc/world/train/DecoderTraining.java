package dev.dualproc.world.train;

import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Progress;
import dev.dualproc.model.flux.FluxPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One chunk of `dualproc world train decoder`: resumes the decoder state of a generator pipeline, trains until the
 * chunk's budget is spent or a stop is asked (checkpointing on the way), then optionally writes the pipeline with the
 * refined decoder, measured on held-out captions, with a "Decoder refinement" section in its model card.
 */
public final class DecoderTraining {
  private DecoderTraining() {}

  /** {@code steps}/{@code minutes}: this chunk's budget (both 0: train nothing, only write {@code out}). */
  public record Options(Path generator, Path state, DecoderTrainer.Settings settings, long seed, Placement placement, long steps,
      double minutes, Path out, int evalCount, double checkpointMinutes, AtomicBoolean stop) {
    public Options {
      if (steps < 0 || minutes < 0) throw new DualprocException("--steps and --minutes must not be negative");
      if (steps == 0 && minutes == 0 && out == null) throw new DualprocException("give --steps N or --minutes M (this chunk's budget), or --out DIR to write the state's decoder");
      if (evalCount < 0) throw new DualprocException("--eval-count: expected 0 or more, got " + evalCount);
    }
  }

  public record Summary(long step, double seconds, double secondsPerStep, double lastLoss, boolean stoppedEarly, GeneratorEval.Report eval) {}

  public static Summary run(Options o) {
    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      o.stop().set(true);
      try { saved.await(GeneratorTraining.SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS); } catch (InterruptedException ignored) { }
    }, "dualproc-decoder-checkpoint");
    try {
      DecoderTrainer t = DecoderTrainer.open(o.generator(), o.state(), o.settings(), o.seed(), o.placement());
      t.log(String.format(Locale.ROOT, "chunk start: %s at step %d; budget %d steps, %.1f minutes; %d libtorch threads",
          o.generator(), t.step(), o.steps(), o.minutes(), org.bytedeco.pytorch.global.torch.get_num_threads()));
      Runtime.getRuntime().addShutdownHook(hook);
      long start = System.nanoTime(), lastSave = start, done = 0;
      double trainSeconds = 0, loss = Double.NaN;
      if (o.steps() > 0 || o.minutes() > 0) {
        try (Progress p = Progress.start("world decoder", o.steps() > 0 ? t.step() + o.steps() : -1, t.step())) {
          while (!o.stop().get()) {
            if (o.steps() > 0 && done >= o.steps()) break;
            if (o.minutes() > 0 && (System.nanoTime() - start) / 60e9 >= o.minutes()) break;
            double before = t.seconds();
            double[] r = t.trainStep();
            trainSeconds += t.seconds() - before;
            done++;
            loss = r[0];
            String line = String.format(Locale.ROOT, "decoder %d loss %.4f grad %.3f lr %.2e", t.step(), r[0], r[1], r[2]);
            if (t.kindChannels > 0) line += String.format(Locale.ROOT, " kind map %.4f", r[3]);
            p.stepTo(t.step(), line);
            if (t.step() <= 10 || t.step() % 25 == 0) t.log(line + String.format(Locale.ROOT, " s/step %.3f", trainSeconds / done));
            if (o.checkpointMinutes() > 0 && (System.nanoTime() - lastSave) / 60e9 >= o.checkpointMinutes()) {
              t.save();
              samples(t);
              lastSave = System.nanoTime();
            }
          }
        }
        t.save();
        if (!o.stop().get()) samples(t); // a shutdown leaves no time for pictures
      }
      boolean early = o.stop().get();
      double perStep = done == 0 ? 0 : trainSeconds / done;
      t.log(String.format(Locale.ROOT, "chunk end: %d steps, %.3f s/step; now step %d, %.0f s in all%s", done, perStep, t.step(),
          t.seconds(), early ? " (stopped)" : ""));
      saved.countDown();
      GeneratorEval.Report report = null;
      if (o.out() != null && !early) report = export(t, o.out(), o.evalCount());
      return new Summary(t.step(), t.seconds(), perStep, loss, early, report);
    } finally {
      saved.countDown();
      try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) { }
    }
  }

  static void samples(DecoderTrainer t) {
    try {
      t.writeSamples(t.stateDir.resolve("samples").resolve(String.format(Locale.ROOT, "decoder-%09d.png", t.step())));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(DecoderTraining.class).warn("could not write the progress picture: {}", e.getMessage());
    }
  }

  /** Writes the refined pipeline beside {@code out}, measures it, appends the card's section, swaps it in. */
  static GeneratorEval.Report export(DecoderTrainer t, Path out, int evalCount) {
    Path tmp = t.writeTemporary(out);
    GeneratorEval.Report report = null;
    double aeL1 = Double.NaN;
    try (FluxPipeline p = FluxPipeline.open(tmp, Placement.cpu(), 0, 0, 0)) {
      if (evalCount > 0) {
        report = GeneratorEval.run(p, GeneratorTrainer.HELD_OUT_FIRST_SEED, evalCount, null);
        aeL1 = GeneratorEval.reconstructionL1(p.ae, GeneratorTrainer.HELD_OUT_FIRST_SEED, GeneratorTraining.AE_EVAL_IMAGES, p.width());
      }
    }
    Path card = tmp.resolve("MODEL_CARD.md");
    String before = "";
    try {
      if (Files.isRegularFile(card)) before = Files.readString(card);
    } catch (IOException e) {
      throw new DualprocException(card + ": cannot read (" + e.getMessage() + ")", e);
    }
    AtomicFiles.writeString(card, withSection(before, section(t, report, aeL1, out)));
    GeneratorExport.replace(tmp, out);
    t.log(String.format(Locale.ROOT, "wrote %s%s", out, report == null ? ""
        : String.format(Locale.ROOT, "; held-out: objects %.3f, valid %.3f", report.objects(), report.valid())));
    return report;
  }

  static final String HEADING = "## Decoder refinement";

  /** The card with its decoder section replaced (or appended): a refined pipeline refined again keeps one section. */
  static String withSection(String card, String section) {
    int at = card.indexOf(HEADING);
    if (at < 0) return card + (card.isEmpty() || card.endsWith("\n\n") ? "" : card.endsWith("\n") ? "\n" : "\n\n") + section;
    int next = card.indexOf("\n## ", at + HEADING.length());
    return card.substring(0, at) + section + (next < 0 ? "" : card.substring(next + 1));
  }

  private static String section(DecoderTrainer t, GeneratorEval.Report r, double aeL1, Path out) {
    DecoderTrainer.Settings s = t.settings;
    StringBuilder b = new StringBuilder(HEADING).append("\n");
    b.append("The autoencoder's decoder was then fine-tuned with its encoder frozen (the transformer's latent space is unchanged), ")
        .append("so that it draws the small parts the verifiers look for (trunks, roofs, legs, tyres).\n");
    b.append(String.format(Locale.ROOT, "- %d steps, batch %d, AdamW lr %.1e (50-step warm-up), grad clip 1; scene seeds %d + step x %d + i; %.1f min of steps%n",
        t.step(), s.batch(), s.lr(), DecoderTrainer.DECODER_SEEDS, s.batch(), t.seconds() / 60));
    b.append(String.format(Locale.ROOT, "- loss: L1 weighted %.0f inside the objects' boxes (1 elsewhere) + %.1f x L1 of the neighbour differences (edges), on posterior samples%n",
        1 + s.objectWeight(), s.edgeWeight()));
    if (s.denoised() > 0) b.append(String.format(Locale.ROOT, "- %.0f%% of each batch decoded instead from the transformer's own denoising of the scene's latent noised to a schedule time of at most %s (`--denoised-fraction %s --denoise-from %s`): the decoder learns to draw the latents the transformer makes%n",
        100 * s.denoised(), s.denoiseFrom(), s.denoised(), s.denoiseFrom()));
    if (t.kindChannels > 0) b.append(String.format(Locale.ROOT, "- kind channels: the decoder reads the renderer's kind map; half of each batch has its image channels blended toward their blur by up to %s (`--image-blur %s`) and noised, so the shapes come from the kinds; the encoder's kind rows learn the map (mean squared error), its image rows stay frozen%n",
        s.imageBlur(), s.imageBlur()));
    if (s.blobShare() > 0) b.append(String.format(Locale.ROOT, "- %.0f%% of each batch takes its image channels from the scene with its objects painted as blobs of their colour (`--blob-share %s`): the shapes must come from the kinds%n",
        100 * s.blobShare(), s.blobShare()));
    if (!Double.isNaN(aeL1)) b.append(String.format(Locale.ROOT, "- autoencoder reconstruction on %d held-out scenes after refinement: mean |error| %.4f%n",
        GeneratorTraining.AE_EVAL_IMAGES, aeL1));
    if (r != null) b.append("\n`./dualproc world eval generator --count ").append(r.count()).append("` after refinement:\n\n").append(r.table());
    b.append("\nReproduce (after the command above): `./dualproc world train decoder --generator ").append(out)
        .append(" --seed ").append(t.seed).append(s.denoised() > 0 ? " --denoised-fraction " + s.denoised() + " --denoise-from " + s.denoiseFrom() : "")
        .append(t.kindChannels > 0 ? " --image-blur " + s.imageBlur() : "").append(s.blobShare() > 0 ? " --blob-share " + s.blobShare() : "")
        .append(" --state runs/world-decoder --steps ").append(t.step()).append(" --out ").append(out).append("`\n");
    return b.toString();
  }
}
