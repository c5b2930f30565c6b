package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.DualprocHome;
import dev.dualproc.engine.Placement;
import dev.dualproc.world.critic.CriticConfig;
import dev.dualproc.world.critic.CriticExport;
import dev.dualproc.world.critic.CriticTrainer;
import dev.dualproc.world.critic.GeneratedAgreement;
import dev.dualproc.world.critic.GeneratedMix;
import dev.dualproc.world.critic.GeneratedPool;
import dev.dualproc.world.critic.GeneratedVqa;
import dev.dualproc.distill.Generators;
import dev.dualproc.world.BuiltinModels;
import dev.dualproc.world.critic.HardImages;
import dev.dualproc.world.critic.HeldOutAccuracy;
import dev.dualproc.world.critic.VqaBatches;
import dev.dualproc.world.critic.WorldCritic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world train vlm`: trains the built-in critic; resumable, and writes models/world/vlm with its model card. */
@Command(name = "vlm", mixinStandardHelpOptions = true,
    description = {"Train the built-in critic (an Idefics3-family VLM) on the world's VQA items rendered on the fly.",
        "Resumes from --state when it holds a run (progress in --state/train.log and metrics.jsonl); Ctrl-C or SIGTERM checkpoints and stops. At the end (--steps or",
        "--minutes reached) it writes --out: the HF snapshot in bf16 and MODEL_CARD.md with the held-out accuracy."})
final class WorldTrainVlmCommand implements Callable<Integer> {
  @Option(names = "--state", defaultValue = "runs/world-vlm", description = "checkpoints, metrics.jsonl, train.log; default ${DEFAULT-VALUE}") Path state;
  @Option(names = "--out", description = "the exported critic (default: models/" + WorldCritic.FOLDER + " under the dualproc home, else ./models/" + WorldCritic.FOLDER + ")") Path out;
  @Option(names = "--config", description = "model size: small (default), tiny, tiny4, tiny4h, tiny4p4, tiny4w, tiny2w, tiny1w, tiny4x or micro; on resume, the run's own") String config;
  @Option(names = "--batch", description = "items per step (default: the config's)") Integer batch;
  @Option(names = "--lr", description = "learning rate (default: the config's)") Double lr;
  @Option(names = "--tasks", split = ",", description = "train only these question families (comma-separated; default all); a family named c times is drawn c"
      + " times as often (all nine and left-right twice more: three times the left-right items)") java.util.List<String> tasks;
  @Option(names = "--captions", description = "caption items per step (default: the config's)") Integer captions;
  @Option(names = "--probe-weight", description = "weight of the patch-probe loss: each vision patch predicts what the renderer drew there (0: off; default: the config's)") Double probeWeight;
  @Option(names = "--vision-steps", description = "the run's first N steps train only the vision tower, on the patch probe (needs --probe-weight > 0; default: the config's, 0)") Integer visionSteps;
  @Option(names = "--autocast", arity = "1", description = "true: bf16 autocast in the training forward pass (default: the config's)") Boolean autocast;
  @Option(names = "--seed", defaultValue = "0", description = "weights, noise and training VQA stream; default ${DEFAULT-VALUE}") long seed;
  @Option(names = "--steps", defaultValue = "0", description = "train until this many steps in total (0: no limit)") long steps;
  @Option(names = "--minutes", defaultValue = "0", description = "stop after this many minutes of this call (0: no limit)") double minutes;
  @Option(names = "--fresh", description = "discard the run in --state and start over") boolean fresh;
  @Option(names = "--checkpoint-minutes", defaultValue = "10", description = "checkpoint every N minutes; default ${DEFAULT-VALUE}") double checkpointMinutes;
  @Option(names = "--validate-every", defaultValue = "500", description = "steps between validation measurements (0: never); default ${DEFAULT-VALUE}") int validateEvery;
  @Option(names = "--validate-items", defaultValue = "180", description = "held-out validation items; default ${DEFAULT-VALUE}") int validateItems;
  @Option(names = "--eval-n", defaultValue = "900", description = "held-out items measured for the model card; default ${DEFAULT-VALUE}") int evalN;
  @Option(names = "--no-export", description = "only checkpoint; do not write --out") boolean noExport;
  @Option(names = "--generated-fraction", description = "share of each step's items asked about generated images, answered by the"
      + " verifiers (default 0: rendered only; on resume, the run's own)") Double generatedFraction;
  @Option(names = "--generated-pool", description = "generated images made once into --state/generated-pool (default "
      + DEFAULT_POOL + "; on resume, the run's own)") Integer generatedPool;
  @Option(names = "--generator", description = "the generator of the pool: world or a pipeline folder (default world; on resume, the run's own)") String generator;
  @Option(names = "--broken-fraction", description = "share of each step's items that show a control's true overlay on a scene broken by"
      + " painted blobs, a line along the horizon, bands, stripes or a patch shuffle (the validity check rejects it), answered No (needs --generated-fraction > 0;"
      + " on resume, the run's own; default 0)") Double brokenFraction;
  @Option(names = "--hard-images", description = "a folder of teach runs whose LoRA-on samples (samples/*-on.png) join the generated"
      + " pool, answered by the verifiers: hardening on the images that fooled a critic (needs --generated-fraction > 0; on resume, the run's own)") Path hardImages;
  @Option(names = "--eval-generated", defaultValue = "0", description = "items about images generated from held-out captions whose"
      + " agreement with the verifiers goes on the model card (0: not measured); default ${DEFAULT-VALUE}") int evalGenerated;
  @Option(names = "--horizon-near-miss", description = "the nearest horizon No, in pixels at 64: horizon lines closer than this"
      + " are only ever shown as Yes (default 4; below the verifier's 3 px tolerance a critic aims teaching inside it)") Double horizonNearMiss;
  @Option(names = "--horizon-grade", description = "graded horizon items: the line anywhere, answered with the soft p(Yes) ="
      + " sigmoid((3 - d) / PX) at d px from the horizon (at 64), so a critic's p still falls with the distance far from the line"
      + " and peaks on it (default 0: hard items)") Double horizonGrade;
  @Option(names = "--line-weight-grade", description = "graded line-weight items: the bar is answered with the soft p(Yes) ="
      + " sigmoid((0.5 - |w - s|) / PX) for a bar of w px over strokes of s px (at 64), so a critic's p still falls with how far"
      + " off the bar is (default 0: hard items)") Double lineWeightGrade;
  @Option(names = "--left-right-sides", description = "the share of left-right items that ask which side of the image one object"
      + " is on instead of comparing two: a question each link of the comparison is rewarded for alone (held-out items stay"
      + " comparisons; default 0)") Double leftRightSides;
  @Option(names = "--probe-columns", arity = "0..1", fallbackValue = "true", description = "the question probe also reads, from the"
      + " decoder's answer state, the columns of the objects a left-right question names: each lookup of the comparison"
      + " rewarded alone (needs --probe-weight > 0; default false)") Boolean probeColumns;
  @Option(names = "--init-from", description = "warm-start a fresh --state from a critic this command exported (e.g. models/world/vlm), or from the"
      + " latest checkpoint of another run's --state (its weights and config; give the flags that should differ)") Path initFrom;
  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda; default ${DEFAULT-VALUE}") String device;
  @Option(names = "--threads", defaultValue = "0", description = "libtorch CPU threads (0: its default, one per core); 1 is"
      + " much faster on a machine shared with other jobs") int threads;

  static final int SHUTDOWN_WAIT_SECONDS = 120;
  static final int DEFAULT_POOL = 2048;

  @Override public Integer call() {
    if (steps <= 0 && minutes <= 0) throw new DualprocException("give --steps N (total) or --minutes M (this call), or both");
    VqaBatches.checkTrainingSeed(seed);
    if (threads > 0) org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    Placement placement = Placement.parse(device, "float32");
    if (fresh) discard(state);
    CriticConfig wanted = config == null ? null : CriticConfig.named(config);
    if (wanted == null && (batch != null || lr != null || tasks != null || captions != null || autocast != null || probeWeight != null || visionSteps != null || horizonNearMiss != null || horizonGrade != null || lineWeightGrade != null || leftRightSides != null || probeColumns != null) && !CriticTrainer.hasCheckpoint(state)) wanted = CriticConfig.small();
    if (wanted != null && batch != null) wanted = wanted.withBatch(batch);
    if (wanted != null && lr != null) wanted = wanted.withLr(lr);
    if (wanted != null && tasks != null) wanted = wanted.withTasks(tasks);
    if (wanted != null && captions != null) wanted = wanted.withCaptions(captions);
    if (wanted != null && probeWeight != null) wanted = wanted.withProbeWeight(probeWeight);
    if (wanted != null && autocast != null) wanted = wanted.withAutocast(autocast);
    if (wanted != null && visionSteps != null) wanted = wanted.withVisionSteps(visionSteps);
    if (wanted != null && horizonNearMiss != null) wanted = wanted.withHorizonNearMiss(horizonNearMiss);
    if (wanted != null && horizonGrade != null) wanted = wanted.withHorizonGrade(horizonGrade);
    if (wanted != null && lineWeightGrade != null) wanted = wanted.withLineWeightGrade(lineWeightGrade);
    if (wanted != null && leftRightSides != null) wanted = wanted.withLeftRightSides(leftRightSides);
    if (wanted != null && probeColumns != null) wanted = wanted.withProbeColumns(probeColumns);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.set(true); // the loop stops after the current step and checkpoints
      try { saved.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS); } catch (InterruptedException ignored) { }
    }, "dualproc-world-train-vlm-checkpoint");
    boolean resuming = CriticTrainer.hasCheckpoint(state);
    if (resuming && initFrom != null) System.out.println(state + " holds a run: resuming it; --init-from applies to a fresh state only");
    GeneratedMix.Settings mix = mixSettings(resuming);
    try (CriticTrainer t = resuming ? CriticTrainer.resume(state, wanted, placement)
        : initFrom != null ? CriticTrainer.startFrom(state, initFrom, wanted, seed, placement)
        : CriticTrainer.start(state, wanted == null ? CriticConfig.small() : wanted, seed, placement)) {
      if (resuming) System.out.println("resuming " + state + " at step " + t.step() + " (config " + t.config.name() + ", seed " + t.seed + ")");
      else if (initFrom != null) System.out.println("training " + state + " from " + initFrom + " (its step " + t.step() + ", config " + t.config.name() + ", seed " + t.seed + ")");
      else System.out.println("training " + state + " from scratch (config " + t.config.name() + ", seed " + t.seed + ")");
      if (!resuming && mix.fraction() > 0) GeneratedMix.write(state, mix);
      if (mix.fraction() > 0) mixIn(t, mix, placement);
      Runtime.getRuntime().addShutdownHook(hook);
      t.train(new CriticTrainer.Schedule(steps, minutes, checkpointMinutes, validateEvery, validateItems), stop::get, System.out::println);
      saved.countDown();
      if (stop.get()) {
        System.out.println("stopped at step " + t.step() + "; state saved. Continue with: dualproc world train vlm --state " + state + " --steps N");
        return 130;
      }
      if (!noExport) {
        Path target = out != null ? out : DualprocHome.find().map(h -> h.resolve("models").resolve(WorldCritic.FOLDER))
            .orElse(Path.of("models").resolve(WorldCritic.FOLDER));
        GeneratedMix.Settings kept = GeneratedMix.read(state);
        String data = kept == null || kept.fraction() == 0 ? null : String.format(java.util.Locale.ROOT,
            "Generated images mixed in: %d of the %d items of every step ask about a pool of %d images that %s made from the captions of"
            + " the generator's own training scenes (scene seeds %d on, noise seeded by the same number), answered by what the verifiers"
            + " measure on each image; every overlay question on an image the validity check rejects answers No.",
            kept.perStep(t.config.batch()), t.config.batch(), kept.pool(), kept.generator(), GeneratedPool.TRAIN_FIRST_SEED)
            + (kept == null || !kept.hardened() ? "" : String.format(java.util.Locale.ROOT, " Hardening: the %d LoRA-on samples of the teach runs under %s"
            + " (images a critic was fooled by; none of the teaching table's evaluation seeds) joined that pool.", HardImages.files(Path.of(kept.hardImages())).size(), kept.hardImages()))
            + (kept == null || kept.broken() == 0 ? "" : String.format(java.util.Locale.ROOT, " Broken scenes: %d of the %d items of every step show a"
            + " control's true overlay on a rendered scene broken by painted blobs, a line along the horizon, bands, stripes or a patch shuffle until the validity check"
            + " rejects it, answered No (`--broken-fraction %s`).", kept.brokenPerStep(t.config.batch()), t.config.batch(), kept.broken()));
        String genRef = kept == null ? (generator == null ? "world" : generator) : kept.generator();
        java.util.function.Function<dev.dualproc.model.vlm.IdeficsCritic, GeneratedAgreement> measureGenerated = evalGenerated <= 0 ? null : c -> {
          try (dev.dualproc.distill.Generator g = Generators.open(genRef, placement, new Generators.Size(CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE, 0))) {
            return GeneratedAgreement.measure(c, g, evalGenerated, 64);
          }
        };
        HeldOutAccuracy a = CriticExport.export(t, target, evalN, reproduce(t), data, measureGenerated);
        System.out.println("wrote " + target + " (step " + t.step() + ")");
        System.out.print(a.table());
        if (measureGenerated != null) System.out.println("(the agreement on generated images is on " + target.resolve("MODEL_CARD.md") + ")");
      }
      return 0;
    } finally {
      saved.countDown();
      try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) { }
    }
  }

  /** The run's generated-item settings: the state's own on resume (options must agree), else the options'. */
  private GeneratedMix.Settings mixSettings(boolean resuming) {
    GeneratedMix.Settings kept = resuming ? GeneratedMix.read(state) : null;
    if (resuming) {
      GeneratedMix.Settings run = kept != null ? kept : new GeneratedMix.Settings(0, DEFAULT_POOL, "world");
      if ((generatedFraction != null && generatedFraction != run.fraction()) || (generatedPool != null && generatedPool != run.pool())
          || (generator != null && !generator.equals(run.generator())) || (hardImages != null && !hardImages.toString().equals(run.hardImages()))
          || (brokenFraction != null && brokenFraction != run.broken()))
        throw new DualprocException(state + ": the run mixes generated items as " + run + "; resume without --generated-fraction/"
            + "--generated-pool/--generator/--hard-images/--broken-fraction, or start another --state");
      return run;
    }
    String hardKey = hardImages == null ? "" : HardImages.key(hardImages, HardImages.files(hardImages));
    return new GeneratedMix.Settings(generatedFraction == null ? 0 : generatedFraction, generatedPool == null ? DEFAULT_POOL : generatedPool,
        generator == null ? "world" : generator, hardImages == null ? "" : hardImages.toString(), hardKey, brokenFraction == null ? 0 : brokenFraction);
  }

  /** Makes (or reuses) the generated pool in --state and mixes its items into every step. */
  private void mixIn(CriticTrainer t, GeneratedMix.Settings mix, Placement placement) {
    Path folder = "world".equals(mix.generator()) ? BuiltinModels.generator() : Path.of(mix.generator());
    GeneratedPool pool = GeneratedPool.cached(state.resolve("generated-pool"), folder,
        () -> Generators.open(mix.generator(), placement, new Generators.Size(CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE, 0)),
        mix.pool(), System.out::println);
    if (mix.hardened()) {
      Path dir = Path.of(mix.hardImages());
      List<Path> files = HardImages.files(dir);
      if (!HardImages.key(dir, files).equals(mix.hardKey()))
        throw new DualprocException("--hard-images: the samples under " + dir + " changed since the run in " + state + " started; put them back, or start another --state");
      pool = HardImages.join(pool, HardImages.load(files));
      System.out.println("hardening images: " + files.size() + " LoRA-on samples from " + dir);
    }
    GeneratedVqa vqa = new GeneratedVqa(pool, t.config.tasks(), t.config.itemRecipe());
    int g = mix.perStep(t.config.batch()), broken = mix.brokenPerStep(t.config.batch());
    t.source(GeneratedMix.source(t.seed, t.config, vqa, g, broken));
    System.out.printf(java.util.Locale.ROOT, "generated items: %d of %d per step from a pool of %d images by %s (%.0f%% valid scenes); families %s%n",
        g, t.config.batch(), pool.size(), folder, 100 * vqa.validRate(), vqa.families());
    if (broken > 0) System.out.printf(java.util.Locale.ROOT, "broken-scene items: %d of %d per step (true overlays on scenes the validity check rejects, answered No)%n", broken, t.config.batch());
  }

  private String reproduce(CriticTrainer t) {
    CriticConfig named = CriticConfig.named(t.config.name());
    StringBuilder b = new StringBuilder("./dualproc world train vlm --fresh --config " + t.config.name() + " --seed " + t.seed + " --steps " + t.step());
    if (t.config.batch() != named.batch()) b.append(" --batch ").append(t.config.batch());
    if (t.config.lr() != named.lr()) b.append(" --lr ").append(t.config.lr());
    if (t.config.autocast() != named.autocast()) b.append(" --autocast ").append(t.config.autocast());
    if (t.config.captions() != named.captions()) b.append(" --captions ").append(t.config.captions());
    if (t.config.probeWeight() != named.probeWeight()) b.append(" --probe-weight ").append(t.config.probeWeight());
    if (t.config.visionSteps() != named.visionSteps()) b.append(" --vision-steps ").append(t.config.visionSteps());
    if (t.config.horizonNearMiss() != named.horizonNearMiss()) b.append(" --horizon-near-miss ").append(t.config.horizonNearMiss());
    if (t.config.horizonGrade() != named.horizonGrade()) b.append(" --horizon-grade ").append(t.config.horizonGrade());
    if (t.config.lineWeightGrade() != named.lineWeightGrade()) b.append(" --line-weight-grade ").append(t.config.lineWeightGrade());
    if (t.config.leftRightSides() != named.leftRightSides()) b.append(" --left-right-sides ").append(t.config.leftRightSides());
    if (t.config.probeColumns()) b.append(" --probe-columns");
    if (!t.config.tasks().equals(named.tasks())) b.append(" --tasks ").append(String.join(",", t.config.tasks()));
    GeneratedMix.Settings mix = GeneratedMix.read(state);
    if (mix != null && mix.fraction() > 0)
      b.append(" --generated-fraction ").append(mix.fraction()).append(" --generated-pool ").append(mix.pool()).append(" --generator ").append(mix.generator());
    if (mix != null && mix.hardened()) b.append(" --hard-images ").append(mix.hardImages());
    if (mix != null && mix.broken() > 0) b.append(" --broken-fraction ").append(mix.broken());
    if (t.warmStart() > 0) b.insert(0, "# warm-started at step " + t.warmStart() + " from an exported critic (--init-from)\n").append(" --init-from CRITIC_FOLDER");
    return b.toString();
  }

  /** Removes a previous run's checkpoints and logs (only the files the trainer writes). */
  private static void discard(Path state) {
    if (!Files.isDirectory(state)) return;
    try (var list = Files.list(state)) {
      for (Path p : list.toList()) {
        String n = p.getFileName().toString();
        if (!(n.matches("ckpt-\\d{8}") || n.equals("LATEST") || n.equals("metrics.jsonl") || n.equals("train.log")
            || n.equals(GeneratedMix.FILE))) continue; // the generated pool stays: a cache, reused when its generator is the same
        try (var walk = Files.walk(p)) {
          for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
      }
    } catch (IOException e) {
      throw new DualprocException(state + ": cannot discard the previous run (" + e.getMessage() + ")", e);
    }
  }
}
