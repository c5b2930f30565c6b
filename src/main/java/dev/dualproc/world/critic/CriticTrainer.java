package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.cli.Version;
import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.distill.RunFolder;
import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.GradClip;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Progress;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.vlm.AnswerTokens;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.VqaItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.function.BooleanSupplier;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Trains the built-in critic on VQA items rendered on the fly (stream {@code seed}, item index = step * batch + i):
 * AdamW on every weight, the critic's answer loss plus a captioning term on some of the step's scenes and a small
 * end-of-answer term, gradient clipping, Gaussian pixel noise as augmentation.
 *
 * <p>State folder: {@code ckpt-NNNNNNNN/} (a loadable fp32 snapshot in {@code model/} and {@code trainer.safetensors}: AdamW moments,
 * the noise RNG, step, seconds, seed and config in the metadata), {@code LATEST} naming the newest (written last, so a
 * crash leaves the previous checkpoint in force), {@code metrics.jsonl} and {@code train.log}. The data needs no state:
 * it is a function of (seed, step). Resuming continues bit for bit as if never stopped.
 */
public final class CriticTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CriticTrainer.class);
  public final CriticConfig config;
  public final long seed;
  public final Path stateDir;
  private final Placement placement;
  private IdeficsCritic critic;
  private List<Tensor> params;
  private Map<String, Tensor> weights;  // checkpoint key -> the parameter
  private AdamW optimizer;
  private Generator noise;
  private long step;
  private long warmStart; // the step an --init-from run started at: the learning rate warms up again from there
  private double seconds;
  private final Map<String, PreparedQuestion> prepared = new HashMap<>();
  private ItemSource source;
  private PatchProbe probe; // null unless config.probeWeight() > 0
  private QuestionProbe questionProbe; // with the patch probe

  /**
   * Where training items come from: items first .. first + n - 1, a pure function of (first, n) so that a resumed run
   * sees the same data. The default renders the VQA stream {@code seed}; generated images labelled by the verifiers,
   * or hardening rounds, plug in here.
   */
  @FunctionalInterface public interface ItemSource { List<VqaItem> items(long first, int n); }

  /** Per step: the critic's mean answer loss, the end-of-answer loss, batch accuracy, learning rate, gradient norm. */
  public record StepResult(long step, double loss, double stopLoss, double captionLoss, double probeLoss, double batchAccuracy, double lr,
                           double gradNorm, double seconds, double dataSeconds) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String LATEST = "LATEST", TRAINER_FILE = "trainer.safetensors", MODEL = "model";

  private CriticTrainer(CriticConfig config, long seed, Path stateDir, Placement placement) {
    this.config = config; this.seed = VqaBatches.checkTrainingSeed(seed); this.stateDir = stateDir; this.placement = placement;
    this.source = (first, n) -> VqaBatches.items(this.seed, first, n, config.tasks(), config.itemRecipe());
  }

  /** Replaces the training data (see {@link ItemSource}); give the same source again when resuming. */
  public CriticTrainer source(ItemSource s) { source = s; return this; }

  /** True when {@code stateDir} holds a checkpoint to resume. */
  public static boolean hasCheckpoint(Path stateDir) { return Files.isRegularFile(stateDir.resolve(LATEST)); }

  /** A fresh run: seeded initial weights, written as checkpoint 0. */
  public static CriticTrainer start(Path stateDir, CriticConfig config, long seed, Placement placement) {
    if (hasCheckpoint(stateDir))
      throw new DualprocException(stateDir + ": holds a run already (" + LATEST + "); resume it, or pass another --state / --fresh");
    CriticTrainer t = new CriticTrainer(config, seed, stateDir, placement);
    Path first = stateDir.resolve(checkpointName(0)).resolve(MODEL);
    int vocab = CriticFiles.writeConfigs(config, first);
    try (var scope = new org.bytedeco.javacpp.PointerScope()) {
      CriticFiles.write(config, first, CriticFiles.initialWeights(config, vocab, seed), ScalarType.Float, Map.of());
    }
    t.open(first, Rng.generator(seed ^ 0x5DEECE66DL));
    t.save();
    return t;
  }

  /**
   * A fresh run warm-started from a critic this trainer exported ({@code world train vlm --init-from}): its weights
   * (token rows carried over by word), fresh AdamW moments, the step count continued from the exported critic's (so the
   * data stream continues where it stopped), the learning rate warmed up again. {@code wanted} may be null: the
   * exported critic's own config.
   */
  public static CriticTrainer startFrom(Path stateDir, Path exported, CriticConfig wanted, long seed, Placement placement) {
    if (hasCheckpoint(stateDir))
      throw new DualprocException(stateDir + ": --init-from needs a fresh state folder; this one holds a run (" + LATEST + ")");
    CriticWarmStart.Exported e = CriticWarmStart.read(exported, wanted, seed);
    if (!e.fresh().isEmpty()) LOG.info("--init-from {}: {} starts fresh (another pixel-shuffle factor)", exported, e.fresh());
    CriticTrainer t = new CriticTrainer(e.config(), seed, stateDir, placement);
    Path first = stateDir.resolve(checkpointName(e.steps())).resolve(MODEL);
    try (var scope = new org.bytedeco.javacpp.PointerScope()) {
      CriticFiles.write(e.config(), first, e.weights(), ScalarType.Float, Map.of());
    }
    t.open(first, Rng.generator(seed ^ 0x5DEECE66DL));
    t.step = e.steps();
    t.warmStart = e.steps();
    t.save();
    return t;
  }

  /** Continues the run in {@code stateDir}; {@code expected} (may be null) must equal the run's config. */
  public static CriticTrainer resume(Path stateDir, CriticConfig expected, Placement placement) {
    Latest l = latestCheckpoint(stateDir);
    if (expected != null && !expected.equals(l.config()))
      throw new DualprocException(stateDir + ": the run was started with config " + json(l.config()) + ", not " + json(expected)
          + "; resume without --config/--batch/--lr, or start another --state");
    CriticTrainer t = new CriticTrainer(l.config(), l.seed(), stateDir, placement);
    t.open(l.model(), null);
    t.restore(l.dir().resolve(TRAINER_FILE));
    return t;
  }

  /** A run's latest checkpoint folder, the run's config and seed (from the trainer file's metadata), and its step. */
  record Latest(Path dir, CriticConfig config, long seed, long step) {
    Path model() { return dir.resolve(MODEL); }
  }

  /** The latest checkpoint of the run in {@code stateDir}: for resuming it, or a warm start from a run not exported. */
  static Latest latestCheckpoint(Path stateDir) {
    Path dir = latest(stateDir);
    Map<String, String> meta;
    try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(TRAINER_FILE))) { meta = f.metadata(); }
    try {
      return new Latest(dir, JSON.readValue(meta.get("config"), CriticConfig.class), Long.parseLong(meta.get("seed")),
          Long.parseLong(dir.getFileName().toString().substring("ckpt-".length())));
    } catch (IOException | RuntimeException e) {
      throw new DualprocException(dir.resolve(TRAINER_FILE) + ": metadata config/seed missing or unreadable", e);
    }
  }

  private static Path latest(Path stateDir) {
    try {
      String name = Files.readString(stateDir.resolve(LATEST)).strip();
      Path dir = stateDir.resolve(name);
      if (!name.matches("ckpt-\\d{8}") || !Files.isRegularFile(dir.resolve(TRAINER_FILE)))
        throw new DualprocException(stateDir.resolve(LATEST) + ": names '" + name + "', which is not a complete checkpoint folder");
      return dir;
    } catch (IOException e) {
      throw new DualprocException(stateDir.resolve(LATEST) + ": unreadable (" + e.getMessage() + ")", e);
    }
  }

  private void open(Path snapshot, Generator noiseGenerator) {
    critic = IdeficsCritic.load(snapshot, placement);
    weights = new TreeMap<>(critic.model.tensors()); // key order fixes the optimizer's parameter indices
    params = new ArrayList<>(weights.values());
    for (Tensor p : params) p.requires_grad_(true);
    if (config.probeWeight() > 0) { // after the model's weights: their optimizer indices stay those of a run without it
      probe = new PatchProbe(config.spec().visionHidden(), config.spec().patchSize(), seed, placement.torchDevice());
      params.addAll(probe.parameters());
      questionProbe = new QuestionProbe(config.spec().textHidden(), seed, placement.torchDevice(), config.probeColumns());
      params.addAll(questionProbe.parameters());
    }
    optimizer = new AdamW(params, AdamW.Options.lr(config.lr()).withWeightDecay(config.weightDecay()));
    noise = noiseGenerator;
  }

  private void restore(Path trainerFile) {
    try (SafeTensorsFile f = SafeTensorsFile.open(trainerFile)) {
      Map<String, Tensor> adam = new LinkedHashMap<>();
      for (String k : f.names()) {
        if (!k.startsWith("adam.")) continue;
        Tensor t = f.load(k);
        adam.put(k.substring(5), k.endsWith(".step") ? t : t.to(placement.torchDevice(), t.scalar_type()));
      }
      optimizer.loadState(TensorSources.of(trainerFile + " (optimizer)", adam));
      if (probe != null) {
        Map<String, Tensor> saved = new LinkedHashMap<>();
        for (String k : java.util.stream.Stream.concat(PatchProbe.KEYS.stream(), QuestionProbe.KEYS.stream()).toList()) {
          if (!f.contains(k)) throw new DualprocException(trainerFile + ": missing '" + k + "' (the run has probes)");
          saved.put(k, f.load(k));
        }
        probe.load(saved);
        questionProbe.load(saved);
      }
      if (!f.contains("rng.noise")) throw new DualprocException(trainerFile + ": missing 'rng.noise'");
      noise = Rng.restore(f.load("rng.noise"));
      try {
        step = Long.parseLong(f.metadata().get("step"));
        warmStart = Long.parseLong(f.metadata().getOrDefault("warm_start", "0"));
        seconds = Double.parseDouble(f.metadata().get("seconds"));
      } catch (RuntimeException e) {
        throw new DualprocException(trainerFile + ": metadata step/seconds missing or not numbers");
      }
    }
  }

  public IdeficsCritic critic() { return critic; }
  public long step() { return step; }
  /** The step this run was warm-started at (--init-from), else 0. */
  public long warmStart() { return warmStart; }
  public double seconds() { return seconds; }
  public Map<String, Tensor> weights() { return weights; }
  public long itemsSeen() { return step * config.batch(); }

  /** One optimisation step on items step*batch .. step*batch + batch - 1 of the training stream. */
  public StepResult trainStep() {
    if (step < config.visionSteps()) return visionStep();
    long t0 = System.nanoTime();
    List<VqaItem> items = source.items(step * config.batch(), config.batch());
    double dataSeconds = (System.nanoTime() - t0) / 1e9;
    double lr = config.lrAt(step - warmStart);
    double[] out = new double[9];
    StepScope.run(() -> {
      List<Tensor> images = new ArrayList<>();
      List<PreparedQuestion> qs = new ArrayList<>();
      for (VqaItem it : items) {
        images.add(augment(Images.toTensor(it.image())));
        qs.add(prepare(it));
      }
      int vqa = items.size(), captions = Math.min(config.captions(), vqa);
      for (VqaItem it : items.subList(0, captions)) {
        images.add(augment(Images.toTensor(it.image())));
        qs.add(prepareCaption(DenseCaption.of(it)));
      }
      Tensor[] probeLoss = new Tensor[1];
      AnswerBatch r = autocast(() -> {
        Tensor states = critic.model.visionHidden(AnswerBatch.pixelValues(critic, images));
        // the probe's targets are what the renderer drew: rendered items only (a mixed step puts generated ones last)
        int rendered = (int) items.stream().takeWhile(it -> it.truth() != null).count();
        if (probe != null && rendered > 0)
          probeLoss[0] = probe.loss(states.narrow(0, 0, rendered), items.subList(0, rendered).stream().map(it -> PatchTargets.of(it, probe.patch())).toList());
        return AnswerBatch.of(critic, critic.model.connect(states), qs, softTargets(items, qs.size()));
      });
      Tensor vqaLoss = r.itemLosses().narrow(0, 0, vqa).mean();
      Tensor loss = vqaLoss.add(r.stopLoss().mul(new org.bytedeco.pytorch.Scalar(config.stopWeight())));
      if (questionProbe != null) { // the words asked about, read where the answer is predicted: the decoder's first hop
        Tensor q = questionProbe.loss(r.answerStates().narrow(0, 0, vqa), items);
        probeLoss[0] = probeLoss[0] == null ? q : probeLoss[0].add(q);
      }
      if (probeLoss[0] != null) {
        loss = loss.add(probeLoss[0].mul(new org.bytedeco.pytorch.Scalar(config.probeWeight())));
        out[5] = Tensors.item(probeLoss[0]);
      }
      if (captions > 0) {
        Tensor captionLoss = r.itemLosses().narrow(0, vqa, captions).mean();
        loss = loss.add(captionLoss.mul(new org.bytedeco.pytorch.Scalar(config.captionWeight())));
        out[4] = Tensors.item(captionLoss);
      }
      optimizer.zeroGrad();
      loss.backward();
      out[3] = GradClip.clipNorm(params, config.gradClip());
      optimizer.setLr(lr);
      if (Double.isFinite(out[3])) optimizer.step(); // a non-finite gradient skips the update, as a scaler would
      optimizer.zeroGrad();
      out[0] = Tensors.item(vqaLoss);
      out[1] = Tensors.item(r.stopLoss());
      int ok = 0;
      for (int i = 0; i < vqa; i++) if (r.saysYes()[i] == items.get(i).yes()) ok++;
      out[2] = ok / (double) items.size();
    });
    step++;
    double dt = (System.nanoTime() - t0) / 1e9;
    seconds += dt;
    return new StepResult(step, out[0], out[1], out[4], out[5], out[2], lr, out[3], dt, dataSeconds);
  }

  /**
   * A step of the vision phase: the tower and the probe alone, on the patch-probe loss over the step's rendered images
   * (no questions: the decoder gets no gradient, so AdamW leaves it as it is). Reported as loss = probe loss, accuracy 0.
   */
  private StepResult visionStep() {
    long t0 = System.nanoTime();
    List<VqaItem> items = source.items(step * config.batch(), config.batch()).stream().filter(it -> it.truth() != null).toList();
    double dataSeconds = (System.nanoTime() - t0) / 1e9;
    double lr = config.lrAt(step - warmStart);
    double[] out = new double[2];
    StepScope.run(() -> {
      List<Tensor> images = new ArrayList<>();
      for (VqaItem it : items) images.add(augment(Images.toTensor(it.image())));
      Tensor[] loss = new Tensor[1];
      autocast(() -> {
        Tensor states = critic.model.visionHidden(AnswerBatch.pixelValues(critic, images));
        loss[0] = probe.loss(states, items.stream().map(it -> PatchTargets.of(it, probe.patch())).toList());
        return null;
      });
      optimizer.zeroGrad();
      loss[0].backward();
      out[1] = GradClip.clipNorm(params, config.gradClip());
      optimizer.setLr(lr);
      if (Double.isFinite(out[1])) optimizer.step();
      optimizer.zeroGrad();
      out[0] = Tensors.item(loss[0]);
    });
    step++;
    double dt = (System.nanoTime() - t0) / 1e9;
    seconds += dt;
    return new StepResult(step, out[0], 0, 0, out[0], 0, lr, out[1], dt, dataSeconds);
  }

  /** The soft p(Yes) of each of the step's {@code n} items (NaN: a hard answer; captions come after the items), or null. */
  private static double[] softTargets(List<VqaItem> items, int n) {
    if (items.stream().noneMatch(VqaItem::soft)) return null;
    double[] t = new double[n];
    java.util.Arrays.fill(t, Double.NaN);
    for (int i = 0; i < items.size(); i++) if (items.get(i).soft()) t[i] = items.get(i).target();
    return t;
  }

  private PreparedQuestion prepare(VqaItem it) {
    return prepared.computeIfAbsent(it.answer() + "\u0000" + it.question(), k -> critic.prepare(it.question(), it.answer()));
  }

  private <T> T autocast(java.util.function.Supplier<T> forward) {
    if (!config.autocast()) return forward.get();
    DeviceType device = placement.isCpu() ? DeviceType.CPU : DeviceType.CUDA;
    boolean was = torch.is_autocast_enabled(device);
    torch.set_autocast_dtype(device, ScalarType.BFloat16);
    torch.set_autocast_cache_enabled(false); // the weights change every step: never reuse a cast copy
    torch.set_autocast_enabled(device, true);
    try {
      return forward.get();
    } finally {
      torch.set_autocast_enabled(device, was);
    }
  }

  /** The caption item: the caption question (no yes/no postfix) answered with the scene's caption. */
  private PreparedQuestion prepareCaption(String caption) {
    return prepared.computeIfAbsent("caption\u0000" + caption, k -> new PreparedQuestion(CriticConfig.CAPTION_QUESTION, caption,
        AnswerTokens.of(critic.tokenizer, critic.format, CriticConfig.CAPTION_QUESTION, caption)));
  }

  /** Pixel noise of a standard deviation drawn from [0, noise] (in [-1, 1] units). */
  private Tensor augment(Tensor image) {
    if (config.noise() <= 0) return image;
    double sigma = config.noise() * Tensors.item(Rng.uniform(noise, 1));
    return image.add(Rng.normal(noise, Tensors.shape(image)).mul(new org.bytedeco.pytorch.Scalar(sigma)));
  }

  /** Writes checkpoint {@code step} and points LATEST at it; older checkpoint folders are removed afterwards. */
  public void save() {
    String name = checkpointName(step);
    Path dir = stateDir.resolve(name);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("step", Long.toString(step));
    meta.put("seconds", Double.toString(seconds));
    if (warmStart > 0) meta.put("warm_start", Long.toString(warmStart));
    meta.put("seed", Long.toString(seed));
    meta.put("config", json(config));
    meta.put("dualproc_version", Version.get());
    CriticFiles.write(config, dir.resolve(MODEL), weights, ScalarType.Float, Map.of("step", Long.toString(step)));
    Map<String, Tensor> state = new LinkedHashMap<>();
    optimizer.stateTensors().forEach((k, v) -> state.put("adam." + k, v));
    state.put("rng.noise", Rng.state(noise));
    if (probe != null) { state.putAll(probe.weights); state.putAll(questionProbe.weights); }
    SafeTensorsWriter.write(dir.resolve(TRAINER_FILE), state, meta);
    AtomicFiles.writeString(stateDir.resolve(LATEST), name + "\n");
    try (var list = Files.list(stateDir)) {
      for (Path p : list.toList())
        if (p.getFileName().toString().matches("ckpt-\\d{8}") && !p.getFileName().toString().equals(name)) deleteTree(p);
    } catch (IOException e) {
      throw new DualprocException(stateDir + ": cannot list old checkpoints (" + e.getMessage() + ")", e);
    }
  }

  /**
   * When a {@link #train} call stops and what it does on the way: {@code steps} total (0 = no limit), {@code minutes}
   * of this call (0 = no limit), a checkpoint every {@code checkpointMinutes} (0 = only at the end), a validation
   * measurement on {@code validateItems} held-out items every {@code validateEvery} steps (0 = never).
   */
  public record Schedule(long steps, double minutes, double checkpointMinutes, int validateEvery, int validateItems) {}

  /**
   * Trains until {@code stop} says so or the schedule ends, then checkpoints. Every step goes to metrics.jsonl, every
   * tenth to train.log and the progress display; validations and checkpoints also to {@code log}.
   */
  public void train(Schedule s, BooleanSupplier stop, java.util.function.Consumer<String> log) {
    Path metrics = stateDir.resolve("metrics.jsonl");
    RunFolder.truncateJsonl(metrics, (int) Math.min(Integer.MAX_VALUE, step));
    long start = System.nanoTime(), lastSave = start;
    double sumLoss = 0, sumAcc = 0;
    int n = 0;
    try (Progress progress = Progress.start("world train vlm", s.steps() > 0 ? s.steps() : -1, step)) {
      while (!stop.getAsBoolean() && (s.steps() <= 0 || step < s.steps()) && (s.minutes() <= 0 || (System.nanoTime() - start) / 6e10 < s.minutes())) {
        StepResult r = trainStep();
        RunFolder.appendJsonl(metrics, r);
        sumLoss += r.loss(); sumAcc += r.batchAccuracy(); n++;
        progress.stepTo(step, String.format(Locale.ROOT, "loss %.3f acc %.2f", r.loss(), r.batchAccuracy()));
        if (step % 10 == 0 || step == s.steps()) {
          logLine(null, String.format(Locale.ROOT, "step %d loss %.4f caption %.3f probe %.3f stop %.4f acc %.3f lr %.2e |g| %.2f %.2f s/step (data %.2f s) (%.0f s trained)",
              step, sumLoss / n, r.captionLoss(), r.probeLoss(), r.stopLoss(), sumAcc / n, r.lr(), r.gradNorm(), r.seconds(), r.dataSeconds(), seconds));
          sumLoss = 0; sumAcc = 0; n = 0;
        }
        if (s.validateEvery() > 0 && step % s.validateEvery() == 0) {
          HeldOutAccuracy v = HeldOutAccuracy.measure(critic, VqaBatches.VALIDATION_STREAM, s.validateItems(), Math.max(config.batch(), 32));
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("step", step);
          m.put("validation", v.asMap());
          m.put("validation_overall", v.overall());
          RunFolder.appendJsonl(metrics, m);
          logLine(log, "step " + step + " validation " + v.line());
          if (probe != null) logLine(log, "step " + step + " probe readout " + probeReadout(s.validateItems()));
        }
        if (s.checkpointMinutes() > 0 && (System.nanoTime() - lastSave) / 6e10 >= s.checkpointMinutes()) {
          save();
          lastSave = System.nanoTime();
          logLine(log, "checkpoint at step " + step);
        }
      }
    }
    save();
    logLine(log, "checkpoint at step " + step + " (" + String.format(Locale.ROOT, "%.0f", seconds) + " s trained, "
        + String.format(Locale.ROOT, "%.2f", step == warmStart ? 0 : seconds / (step - warmStart)) + " s/step on average)");
  }

  /**
   * What the training-only probes read on held-out validation items: the kinds and (kind, colour) pairs present, the
   * overlays' truth and the objects' left-right order, from the vision patches, and the question's family and first kind, from the decoder's answer state; when these are right and
   * the answers are not, the decoder's lookup is what is missing.
   */
  String probeReadout(int n) {
    List<VqaItem> items = VqaBatches.items(VqaBatches.VALIDATION_STREAM, 0, n).stream().filter(it -> it.truth() != null).toList();
    double[] out = new double[9];
    StepScope.run(() -> {
      try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
        List<Tensor> images = new ArrayList<>();
        List<PreparedQuestion> qs = new ArrayList<>();
        for (VqaItem it : items) { images.add(Images.toTensor(it.image())); qs.add(prepare(it)); }
        Tensor states = critic.model.visionHidden(AnswerBatch.pixelValues(critic, images));
        double[] presence = probe.readout(states, items.stream().map(it -> PatchTargets.of(it, probe.patch())).toList());
        Tensor answers = AnswerBatch.of(critic, critic.model.connect(states), qs).answerStates();
        double[] asked = questionProbe.accuracy(answers, items);
        out[8] = questionProbe.columnOrder(answers, items);
        out[0] = presence[0]; out[1] = presence[1]; out[2] = asked[0]; out[3] = asked[1]; out[4] = presence[2]; out[5] = presence[3]; out[6] = presence[4]; out[7] = presence[5];
      }
    });
    return String.format(Locale.ROOT, "kinds present %.2f, kind+colour pairs %.2f (images exactly right), one kind present or not %.2f, object patches named %.2f, overlay truth %.2f, left-right order %.2f; question family %.2f, first kind asked %.2f",
        out[0], out[1], out[4], out[5], out[6], out[7], out[2], out[3]) + (config.probeColumns() ? String.format(Locale.ROOT, ", named objects' order %.2f", out[8]) : "");
  }

  /** A line to train.log, and to {@code log} unless null. */
  private void logLine(java.util.function.Consumer<String> log, String line) {
    if (log != null) log.accept(line);
    try {
      Files.createDirectories(stateDir);
      Files.writeString(stateDir.resolve("train.log"), java.time.Instant.now() + " " + line + "\n", java.nio.charset.StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new DualprocException(stateDir.resolve("train.log") + ": cannot append (" + e.getMessage() + ")", e);
    }
  }

  static String checkpointName(long step) { return String.format(Locale.ROOT, "ckpt-%08d", step); }

  static String json(CriticConfig c) {
    try {
      return JSON.writeValueAsString(c);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }

  @Override public void close() { if (critic != null) critic.close(); }
}
