package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.Autocast;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.GradClip;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import dev.dualproc.engine.Weights;
import dev.dualproc.model.flux.AutoEncoder;
import dev.dualproc.model.flux.AutoEncoderFiles;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.Flux;
import dev.dualproc.model.flux.FluxInit;
import dev.dualproc.model.flux.FluxParams;
import dev.dualproc.model.flux.LatentPacking;
import dev.dualproc.model.text.ClipTextConfig;
import dev.dualproc.model.text.ClipTextModel;
import dev.dualproc.model.text.T5Config;
import dev.dualproc.model.text.T5Encoder;
import dev.dualproc.model.text.TextTokenizer;
import dev.dualproc.world.Captions;
import dev.dualproc.world.LayoutCode;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.SceneTruth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Trains the built-in world generator in a state folder, in two phases: the autoencoder on reconstruction (L1 plus a
 * small KL term), then, with the autoencoder frozen and its latents scaled to unit variance, the transformer jointly
 * with both text encoders by rectified flow (x_t = (1 - t) x0 + t noise, logit-normal t, velocity target
 * noise - x0), with caption dropout, AdamW, gradient clipping and an EMA of the weights.
 *
 * <p>Every step is a function of (seed, step) and the state: its scenes are rendered from seeds
 * {@link #FLOW_SEEDS} + step x batch + i (or {@link #AE_SEEDS} ...), its noise from a generator seeded by
 * (seed, phase, step). So a resumed run continues bit for bit, and no RNG stream has to be saved.
 */
public final class GeneratorTrainer {
  /** Training scenes come from seeds at and above 2^40; held-out ranges (verifier accuracy, generator eval) are below. */
  public static final long AE_SEEDS = 1L << 40, LATENT_STAT_SEEDS = 3L << 40, FLOW_SEEDS = 1L << 41;
  /** Scenes whose captions the generator eval uses; never trained on. */
  public static final long HELD_OUT_FIRST_SEED = 2_000_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  final GeneratorConfig cfg;
  final Path stateDir;
  final long seed;
  final Placement placement;
  final ParameterSet aeParams, model;
  final Map<String, Tensor> ema;
  final AdamW aeOpt, opt;
  final T5Config t5Config;
  final ClipTextConfig clipConfig;
  final long clipBos;
  long aeStep, step;
  /** The export whose transformer and text encoders this state started from (--transformer-from), or null. */
  String transformerFrom;
  long warmStart; // the step a warm start from an exported pipeline began at: the learning rate warms up again from there
  long decoderSteps; // world train decoder steps of the warm-start pipeline's decoder, which this state keeps (0: none)
  JsonNode decoderSettings; // and their settings (null when decoderSteps is 0)
  double seconds;
  double objectWeight; // extra flow-loss weight on latent cells under objects (0 = the plain mean); fixed per state
  long objectWeightSince; // the transformer step it applies from (a warm start's first step)
  double lrOverride = Double.NaN; // the transformer's learning rate when not the config's (NaN); fixed per state
  boolean bf16; // the transformer's forward in bf16 autocast (fp32 weights and optimiser); fixed per state
  double lastRepa; // the last flow step's alignment term (-cos), for the log
  Repa repa; // representation alignment of early image tokens to a frozen encoder (null: off); fixed per state
  double lastSceneMap; // the last flow step's scene-map cross-entropy, for the log
  SceneMap sceneMap; // the scene-map head on early image tokens (null: off); fixed per state
  double blobFraction; // share of each flow batch noised from its scene with the objects as blobs (Blobs); fixed per state
  boolean layoutFromNoise; // each flow item's scene laid out by its noise's LayoutCode; fixed per state
  double highT; // share of each flow batch at t in [HIGH_T, 1), where only the noise can say the layout; fixed per state
  /** The lower end of --high-t's times: above it the noised scene hardly shows its layout (logit-normal t reaches it 3% of the time). */
  static final double HIGH_T = 0.9;
  boolean localObjectCodes; // with layoutFromNoise: objects stand on their best-scoring noise tokens; fixed per state
  long lrSince; // the transformer step it applies from
  double latentScale = Double.NaN, latentShift = Double.NaN; // set when the autoencoder phase ends
  AutoEncoder ae;
  final Flux flux;
  final T5Encoder t5;
  final ClipTextModel clip;
  final TextTokenizer t5Tok, clipTok;
  private final Map<String, long[]> t5Ids = new HashMap<>(), clipIds = new HashMap<>();

  /** What one step reports: phase ("ae" or "flow"), its number (1-based within the phase), loss, gradient norm, lr. */
  public record StepResult(String phase, long step, double loss, double gradNorm, double lr) {}

  private GeneratorTrainer(GeneratorConfig cfg, Path stateDir, long seed, Placement placement) {
    this.cfg = cfg; this.stateDir = stateDir; this.seed = seed; this.placement = placement;
    GeneratorTokenizers.Written tok = GeneratorTokenizers.write(stateDir.resolve("tokenizer"), stateDir.resolve("tokenizer_2"), cfg);
    t5Config = TextEncoderInit.t5Config(cfg.t5(), tok.t5VocabSize());
    clipConfig = TextEncoderInit.clipConfig(cfg.clip(), tok.clipVocabSize(), cfg.clipMaxLength(), tok.clipEos());
    clipBos = tok.clipBos();
    t5Tok = TextTokenizer.load(stateDir.resolve("tokenizer_2"));
    clipTok = TextTokenizer.load(stateDir.resolve("tokenizer"));

    aeParams = new ParameterSet(AutoEncoderFiles.randomBfl(cfg.ae(), mix(seed, 10, 0)), placement);
    Map<String, Tensor> init = new LinkedHashMap<>();
    flowInit(cfg.flux(), mix(seed, 11, 0)).forEach((k, t) -> init.put("transformer." + k, t));
    TextEncoderInit.clipWeights(clipConfig, mix(seed, 12, 0)).forEach((k, t) -> init.put("text_encoder." + k, t));
    TextEncoderInit.t5Weights(t5Config, mix(seed, 13, 0)).forEach((k, t) -> init.put("text_encoder_2." + k, t));
    model = new ParameterSet(init, placement);
    ema = model.snapshot();
    aeOpt = new AdamW(aeParams.list(), AdamW.Options.lr(cfg.aeLr()));
    opt = new AdamW(model.list(), AdamW.Options.lr(cfg.lr()).withWeightDecay(cfg.weightDecay()));

    Placement fp32 = new Placement(placement.device(), ScalarType.Float);
    flux = new Flux(new Weights(model.source("transformer", "transformer."), fp32), cfg.flux());
    clip = ClipTextModel.load(clipConfig, new Weights(model.source("text_encoder", "text_encoder."), fp32));
    t5 = T5Encoder.load(t5Config, new Weights(model.source("text_encoder_2", "text_encoder_2."), fp32));
    ae = AutoEncoder.load(aeParams.source("vae", ""), cfg.ae(), fp32);
  }

  /** Opens the state folder: resumes from its latest checkpoint, or starts from seeded initial weights ({@link #warmStartFrom} to start from an export). */
  public static GeneratorTrainer open(Path stateDir, GeneratorConfig cfg, long seed, Placement placement) {
    if (placement.dtype() != ScalarType.Float) throw new DualprocException("training runs in float32; the export is bf16");
    try {
      Files.createDirectories(stateDir);
    } catch (IOException e) {
      throw new DualprocException(stateDir + ": cannot create the state folder (" + e.getMessage() + ")", e);
    }
    boolean resume = Files.isRegularFile(stateDir.resolve("latest"));
    if (resume) checkSameRun(stateDir, cfg, seed); // before building anything
    GeneratorTrainer t = new GeneratorTrainer(cfg, stateDir, seed, placement);
    if (resume) t.load();
    return t;
  }

  public double objectWeight() { return objectWeight; }

  /** Whether the per-state settings (object weight, lr, bf16, REPA, scene map) are fixed: steps trained, not just warm-started. */
  private boolean settingsFixed() { return totalSteps() > 0 && !(step == warmStart && aeStep == cfg.aeSteps()); }

  /**
   * Sets the flow loss's extra weight on object cells for a fresh state; a resumed state keeps the one it was trained
   * with (a different one is an error: its steps would no longer follow from the seed and the state).
   */
  public void setObjectWeight(double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) throw new DualprocException("--object-weight: expected a number >= 0, got " + weight);
    if (weight == objectWeight) return;
    if (settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained with --object-weight " + objectWeight + ", not " + weight
          + "; resume with the same value, or start a new --state with --init-from");
    objectWeight = weight;
    objectWeightSince = step;
  }

  /** The transformer phase's peak learning rate: the config's, or the one {@link #setLr} set for this state. */
  public double lr() { return Double.isNaN(lrOverride) ? cfg.lr() : lrOverride; }

  /**
   * Overrides the transformer's learning rate for a fresh or just warm-started state (NaN keeps the state's); a state
   * already trained at another rate refuses a change, like {@link #setObjectWeight}: its steps would no longer follow
   * from the seed and the state.
   */
  public void setLr(double lr) {
    if (Double.isNaN(lr) || lr == lr()) return;
    if (!(lr > 0) || Double.isInfinite(lr)) throw new DualprocException("--lr: expected a number > 0, got " + lr);
    if (settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained with --lr " + lr() + ", not " + lr
          + "; resume with the same value, or start a new --state with --init-from");
    lrOverride = lr;
    lrSince = step;
  }

  public boolean bf16() { return bf16; }

  /**
   * Runs the transformer phase's forward passes in bf16 autocast for a fresh or just warm-started state; like
   * {@link #setLr}, a state already trained otherwise refuses a change.
   */
  public void setBf16(boolean on) { bf16 = fixedFlag("--bf16", bf16, on); }

  /** {@code on}, when the state may take it: a fresh or just warm-started state, or one already trained so. */
  private boolean fixedFlag(String option, boolean current, boolean on) {
    if (on != current && settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained " + (current ? "with" : "without") + " " + option
          + "; resume it the same way, or start a new --state with --init-from");
    return on;
  }

  /** {@code share} if in [0, 1] and the state may take it: a fresh or just warm-started state, or one trained with it. */
  private double fixedShare(String option, double current, double share) {
    if (!(share >= 0 && share <= 1)) throw new DualprocException(option + ": expected a share in [0, 1], got " + share);
    if (share != current && settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained with " + option + " " + current + ", not " + share
          + "; resume with the same value, or start a new --state with --init-from");
    return share;
  }

  public double repaWeight() { return repa == null ? 0 : repa.weight; }

  /**
   * Adds representation alignment ({@link Repa}) with this weight and encoder for a fresh or just warm-started state;
   * like {@link #setLr}, a state already trained otherwise refuses a change.
   */
  public void setRepa(double weight, Path encoder) {
    if (!(weight >= 0) || Double.isInfinite(weight)) throw new DualprocException("--repa: expected a number >= 0, got " + weight);
    if (weight == repaWeight()) return;
    if (settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained with --repa " + repaWeight() + ", not " + weight
          + "; resume with the same value, or start a new --state with --init-from");
    repa = weight == 0 ? null : new Repa(weight, encoder, cfg.flux().hiddenSize(), mix(seed, 14, 0), lr());
  }

  public double sceneMapWeight() { return sceneMap == null ? 0 : sceneMap.weight; }

  /**
   * Adds the scene-map head ({@link SceneMap}) with this weight for a fresh or just warm-started state; like
   * {@link #setLr}, a state already trained otherwise refuses a change.
   */
  public void setSceneMap(double weight) {
    if (!(weight >= 0) || Double.isInfinite(weight)) throw new DualprocException("--scene-map: expected a number >= 0, got " + weight);
    if (weight == sceneMapWeight()) return;
    if (settingsFixed())
      throw new DualprocException(stateDir + ": this state was trained with --scene-map " + sceneMapWeight() + ", not " + weight
          + "; resume with the same value, or start a new --state with --init-from");
    sceneMap = weight == 0 ? null : new SceneMap(weight, cfg.flux().hiddenSize(), mix(seed, 15, 0), lr());
  }

  public double blobFraction() { return blobFraction; }

  /** Sets {@link Blobs}' share of each batch for a fresh or just warm-started state; like {@link #setLr}, fixed after. */
  public void setBlobFraction(double fraction) { blobFraction = fixedShare("--blob-fraction", blobFraction, fraction); }

  public boolean layoutFromNoise() { return layoutFromNoise; }

  /**
   * Sets whether each flow item's free layout comes from its own noise ({@link LayoutCode#fromNoise}) instead of its
   * scene seed, for a fresh or just warm-started state; like {@link #setLr}, fixed after.
   */
  public void setLayoutFromNoise(boolean on) { layoutFromNoise = fixedFlag("--layout-from-noise", layoutFromNoise, on); }

  public double highT() { return highT; }

  public boolean localObjectCodes() { return localObjectCodes; }

  /** Sets whether objects stand on their best-scoring noise tokens ({@link LayoutCode.TokenPlaces}) for a fresh or just warm-started state; fixed after. */
  public void setLocalObjectCodes(boolean on) {
    int need = LayoutCode.TokenPlaces.FEATURES;
    if (on && cfg.ae().zChannels() * 4 < need)
      throw new DualprocException("--local-object-codes: config " + cfg.name() + "'s " + cfg.ae().zChannels() + "-channel latent packs " + cfg.ae().zChannels() * 4
          + " features per token; local object codes need " + need);
    localObjectCodes = fixedFlag("--local-object-codes", localObjectCodes, on);
  }

  /** Sets the share of each flow batch drawn at t in [{@link #HIGH_T}, 1) for a fresh or just warm-started state; fixed after. */
  public void setHighT(double fraction) { highT = fixedShare("--high-t", highT, fraction); }

  /** t with a share {@code fraction} of the items (chosen by their own generator) moved to [HIGH_T, 1). */
  static Tensor withHighT(Tensor t, long generatorSeed, double fraction) {
    if (fraction == 0) return t;
    var g = Rng.generator(generatorSeed);
    int b = (int) t.size(0);
    float[] pick = Tensors.floats(Rng.uniform(g, b)), u = Tensors.floats(Rng.uniform(g, b)), times = Tensors.floats(t);
    for (int i = 0; i < b; i++) if (pick[i] < fraction) times[i] = (float) (HIGH_T + (1 - HIGH_T) * u[i]);
    return Tensors.fromFloats(times, b).to(t.device(), t.scalar_type());
  }

  public long aeStep() { return aeStep; }
  public long step() { return step; }
  public double seconds() { return seconds; }
  public GeneratorConfig config() { return cfg; }
  public long seed() { return seed; }
  /** Steps of both phases done. */
  public long totalSteps() { return aeStep + step; }
  public boolean latentScaleFitted() { return !Double.isNaN(latentScale); }

  /** FLUX's random init with adaLN-Zero: modulations and the output layer start at zero, biases at zero. */
  static Map<String, Tensor> flowInit(FluxParams p, long seed) {
    Map<String, Tensor> w = FluxInit.randomWeights(p, seed);
    w.replaceAll((k, t) -> k.endsWith(".bias") || k.contains("_mod.") || k.contains("modulation.") || k.startsWith("final_layer.")
        ? zeros_like(t) : t);
    return w;
  }

  /** One step of whichever phase is due; returns what it measured. */
  public StepResult trainStep() {
    long t0 = System.nanoTime();
    StepResult r;
    if (aeStep < cfg.aeSteps() && cfg.kindChannels() > 0)
      throw new DualprocException("config " + cfg.name() + " has kind channels and no autoencoder phase of its own: start it with --init-from an exported pipeline");
    if (aeStep < cfg.aeSteps()) r = aeTrainStep();
    else {
      if (!latentScaleFitted()) fitLatentScale();
      r = flowTrainStep();
    }
    seconds += (System.nanoTime() - t0) / 1e9;
    return r;
  }

  private StepResult aeTrainStep() {
    Generator g = Rng.generator(mix(seed, 1, aeStep));
    // warm up over 100 steps, then cosine down to a tenth by the phase's end (its length is known, unlike the transformer's)
    double lr = cfg.aeLr() * Math.min(1.0, (aeStep + 1) / 100.0) * (0.1 + 0.45 * (1 + Math.cos(Math.PI * aeStep / cfg.aeSteps())));
    double[] out = new double[2];
    StepScope.run(() -> {
      GeneratorConfig.AeLoss how = cfg.aeLoss();
      List<SceneRenderer.Rendered> rendered = new ArrayList<>();
      Tensor x = scenes(AE_SEEDS + aeStep * cfg.aeBatch(), cfg.aeBatch(), null, rendered);
      List<List<SceneObject>> objects = rendered.stream().map(r -> r.truth().objects()).toList();
      int z = cfg.ae().zChannels();
      Tensor moments = ae.encoder.forward(x);
      Tensor mean = moments.narrow(1, 0, z);
      Tensor logvar = moments.narrow(1, z, z).clamp(new ScalarOptional(new Scalar(-30.0)), new ScalarOptional(new Scalar(20.0)));
      Tensor eps = placement.place(Rng.normal(g, Tensors.shape(mean)));
      Tensor sample = mean.add(logvar.mul(new Scalar(0.5)).exp().mul(eps));
      if (how.degrades()) sample = degraded(sample, mean, how, g);
      Tensor rec = ae.decoder.forward(sample);
      Tensor l1 = rec.sub(x).abs().mean();
      Tensor kl = mean.square().add(logvar.exp()).sub(new Scalar(1.0)).sub(logvar).mean().mul(new Scalar(0.5));
      Tensor recLoss = how.objectWeight() == 0 ? l1
          : DecoderTrainer.weightedL1(rec, x, placement.place(pixelObjectWeights(objects, cfg.size(), how.objectWeight())));
      if (how.edgeWeight() > 0) recLoss = recLoss.add(DecoderTrainer.edgeL1(rec, x).mul(new Scalar(how.edgeWeight())));
      Tensor loss = recLoss.add(kl.mul(new Scalar(cfg.aeKlWeight())));
      aeOpt.zeroGrad();
      loss.backward();
      out[1] = GradClip.clipNorm(aeParams.list(), cfg.gradClip());
      aeOpt.setLr(lr);
      aeOpt.step();
      out[0] = Tensors.item(l1);
    });
    aeStep++;
    return new StepResult("ae", aeStep, out[0], out[1], lr);
  }

  /**
   * {@link GeneratorConfig.AeLoss}'s latent degradation: each item with probability 1/2 is blended toward its 3x3 box
   * blur by a share up to latentBlur and gets noise up to latentNoise standard deviations of the batch's mean latent
   * (so the noise grows with the latents and the encoder cannot outrun it by scaling them up).
   */
  private Tensor degraded(Tensor sample, Tensor mean, GeneratorConfig.AeLoss how, Generator g) {
    int b = (int) sample.size(0);
    float[] u = Tensors.floats(Rng.uniform(g, 3 * b));
    float[] blur = new float[b], noise = new float[b];
    for (int i = 0; i < b; i++) {
      if (u[i] >= 0.5f) continue;
      blur[i] = (float) (how.latentBlur() * u[b + i]);
      noise[i] = (float) (how.latentNoise() * u[2 * b + i]);
    }
    Tensor blurred = LatentBlurEval.boxBlur(sample);
    Tensor a = placement.place(Tensors.fromFloats(blur, b, 1, 1, 1));
    Tensor std = mean.detach().std();
    Tensor n = placement.place(Tensors.fromFloats(noise, b, 1, 1, 1)).mul(std);
    return sample.add(blurred.sub(sample).mul(a)).add(placement.place(Rng.normal(g, Tensors.shape(sample))).mul(n));
  }

  /** Per pixel 1, or 1 + weight inside an object's box grown by a pixel (its outline), as [b, 1, size, size]. */
  static Tensor pixelObjectWeights(List<List<SceneObject>> objects, int size, double weight) {
    float[] w = new float[objects.size() * size * size];
    java.util.Arrays.fill(w, 1f);
    for (int i = 0; i < objects.size(); i++)
      for (SceneObject o : objects.get(i))
        for (int y = Math.max(0, o.y0() - 1); y < Math.min(size, o.y1() + 1); y++)
          for (int x = Math.max(0, o.x0() - 1); x < Math.min(size, o.x1() + 1); x++)
            w[(i * size + y) * size + x] = (float) (1 + weight);
    return Tensors.fromFloats(w, objects.size(), 1, size, size);
  }

  /** Shift and scale so that the latents the transformer sees have mean 0 and variance 1 (FLUX's shift/scale factors). */
  void fitLatentScale() {
    double sum = 0, sumSq = 0, n = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (int done = 0; done < cfg.latentStatImages(); done += 32) {
        int count = Math.min(32, cfg.latentStatImages() - done);
        final int from = done;
        double[] s = new double[3];
        StepScope.run(() -> {
          Tensor mean = ae.moments(scenes(LATENT_STAT_SEEDS + from, count, null)).narrow(1, 0, cfg.ae().zChannels()).to(ScalarType.Double);
          s[0] = Tensors.item(mean.sum());
          s[1] = Tensors.item(mean.square().sum());
          s[2] = mean.numel();
        });
        sum += s[0]; sumSq += s[1]; n += s[2];
      }
    }
    double mu = sum / n, var = Math.max(sumSq / n - mu * mu, 1e-12);
    latentShift = mu;
    latentScale = 1.0 / Math.sqrt(var);
    rebuildAutoEncoder();
  }

  private void rebuildAutoEncoder() {
    for (Tensor p : aeParams.list()) p.requires_grad_(false); // frozen from here on
    ae = AutoEncoder.load(aeParams.source("vae", ""), aeParamsFitted(), new Placement(placement.device(), ScalarType.Float));
  }

  /** The autoencoder params with the fitted latent scale and shift (1 and 0 before the fit). */
  AutoEncoderParams aeParamsFitted() {
    AutoEncoderParams p = cfg.ae();
    return new AutoEncoderParams(p.resolution(), p.inChannels(), p.ch(), p.outCh(), p.chMult(), p.numResBlocks(), p.zChannels(),
        latentScaleFitted() ? latentScale : 1.0, latentScaleFitted() ? latentShift : 0.0);
  }

  private StepResult flowTrainStep() {
    Generator g = Rng.generator(mix(seed, 2, step));
    int b = cfg.batch();
    double lr = lr() * Math.min(1.0, (step - warmStart + 1) / (double) Math.max(1, cfg.warmup()));
    double[] out = new double[2];
    StepScope.run(() -> {
      List<String> captions = new ArrayList<>();
      List<SceneRenderer.Rendered> rendered = new ArrayList<>();
      float[] drop = Tensors.floats(Rng.uniform(g, b));
      Tensor noise = placement.place(Rng.normal(g, latentShape(b))); // drawn before the scenes, which may read it
      Tensor images = scenes(FLOW_SEEDS + step * b, b, captions, rendered, layoutFromNoise ? layoutCodes(noise, localObjectCodes) : null);
      List<SceneTruth> truths = rendered.stream().map(SceneRenderer.Rendered::truth).toList();
      List<List<SceneObject>> objects = truths.stream().map(SceneTruth::objects).toList();
      long[][] t5Rows = new long[b][], clipRows = new long[b][];
      for (int i = 0; i < b; i++) {
        String c = drop[i] < cfg.captionDropout() ? "" : captions.get(i);
        t5Rows[i] = t5Ids.computeIfAbsent(c, s -> t5Tok.encode(s, cfg.t5MaxLength(), true));
        clipRows[i] = clipIds.computeIfAbsent(c, s -> clipTok.encode(s, cfg.clipMaxLength(), true));
      }
      Tensor x0;
      try (NoGradGuard ng = new NoGradGuard()) { x0 = ae.encode(images); }
      if (cfg.kindChannels() > 0) x0 = KindChannels.withTruth(x0, truths); // the renderer's map, not the encoder's estimate of it
      Tensor t = placement.place(withHighT(sigmoid(Rng.normal(g, b)), mix(seed, 17, step), highT));
      Tensor source = x0;
      if (blobFraction > 0) {
        Tensor[] blobbed = Blobs.plan(mix(seed, 16, step), b, blobFraction).apply(x0, t, rendered, ae, placement, cfg.kindChannels());
        source = blobbed[0];
        t = blobbed[1];
      }
      Tensor weights = objectWeight == 0 ? null : placement.place(latentObjectWeights(objects, x0.size(2), objectWeight));
      Tensor[] labels = sceneMap == null ? null : SceneMap.labels(truths, cfg.size(), (int) x0.size(2));
      Tensor[] losses = flowLosses(x0, source, noise, t, t5Rows, clipRows, weights, repa == null ? null : images, labels);
      Tensor loss = losses[0], total = loss;
      if (repa != null) total = total.add(losses[1].mul(new Scalar(repa.weight)));
      if (sceneMap != null) total = total.add(losses[2].mul(new Scalar(sceneMap.weight)));
      opt.zeroGrad();
      if (repa != null) repa.opt.zeroGrad();
      if (sceneMap != null) sceneMap.opt.zeroGrad();
      total.backward();
      out[1] = GradClip.clipNorm(model.list(), cfg.gradClip());
      opt.setLr(lr);
      opt.step();
      if (repa != null) { repa.opt.setLr(lr); repa.opt.step(); lastRepa = Tensors.item(losses[1]); }
      if (sceneMap != null) { sceneMap.opt.setLr(lr); sceneMap.opt.step(); lastSceneMap = Tensors.item(losses[2]); }
      updateEma();
      out[0] = Tensors.item(loss);
    });
    step++;
    return new StepResult("flow", step, out[0], out[1], lr);
  }

  Tensor flowLoss(Tensor x0, Tensor noise, Tensor t, long[][] t5Rows, long[][] clipRows) { return flowLoss(x0, noise, t, t5Rows, clipRows, null); }

  /**
   * Mean squared error between the predicted velocity at x_t = (1 - t) x0 + t noise and noise - x0; with {@code weights}
   * ([B, 1, H, W] over the latent grid), the weighted mean: objects cover a tenth of a scene, sky and ground the rest.
   */
  Tensor flowLoss(Tensor x0, Tensor noise, Tensor t, long[][] t5Rows, long[][] clipRows, Tensor weights) {
    return flowLosses(x0, x0, noise, t, t5Rows, clipRows, weights, null, null)[0];
  }

  /**
   * The flow loss, for x_t noised from {@code source} (x0 itself, or with --blob-fraction some items' blobbed scenes)
   * and the velocity (x_t - x0) / t that leads to x0; with {@code images} (the clean scenes of x0) and REPA on, the alignment term; with {@code labels}
   * ({@link SceneMap#labels}) and the scene map on, its cross-entropy (each else null).
   */
  Tensor[] flowLosses(Tensor x0, Tensor source, Tensor noise, Tensor t, long[][] t5Rows, long[][] clipRows, Tensor weights, Tensor images, Tensor[] labels) {
    long b = x0.size(0), h = x0.size(2) / 2, w = x0.size(3) / 2;
    Tensor[] aligned = new Tensor[1], mapped = new Tensor[1];
    String alignedName = "double_blocks." + Repa.block(cfg.flux().depth()) + ".img";
    String mappedName = "double_blocks." + SceneMap.block(cfg.flux().depth()) + ".img";
    boolean aligning = images != null && repa != null, mapping = labels != null && sceneMap != null;
    Flux.Probe probe = !aligning && !mapping ? Flux.Probe.NONE : (name, x) -> {
      if (aligning && name.equals(alignedName)) aligned[0] = x;
      if (mapping && name.equals(mappedName)) mapped[0] = x;
    };
    Tensor tt = t.view(b, 1, 1, 1);
    Tensor xt = source.add(noise.sub(source).mul(tt));
    Tensor v;
    try (Autocast a = Autocast.cpuBf16(bf16, placement)) {
      Tensor txt = t5.encode(t5Rows);
      Tensor vec = clip.pooled(clipRows);
      Tensor ids = placement.place(LatentPacking.imgIds(b, h, w));
      Tensor txtIds = placement.place(LatentPacking.txtIds(b, txt.size(1)));
      v = flux.forward(LatentPacking.pack(xt), ids, txt, txtIds, t, vec, null, probe).to(x0.scalar_type()); // the loss in fp32
    }
    Tensor repaLoss = aligned[0] == null ? null : repa.loss(aligned[0], images);
    Tensor mapLoss = mapped[0] == null ? null : sceneMap.loss(mapped[0], labels);
    Tensor err = v.sub(LatentPacking.pack(velocityTarget(x0, source, noise, tt))).square();
    if (weights == null) return new Tensor[] {err.mean(), repaLoss, mapLoss};
    Tensor cells = LatentPacking.pack(weights.expand(x0.size(0), x0.size(1), x0.size(2), x0.size(3)).contiguous());
    return new Tensor[] {err.mul(cells).mean().div(cells.mean()), repaLoss, mapLoss};
  }

  /**
   * The velocity from x_t = (1 - t) source + t noise to x0, (x_t - x0) / t: noise - x0 when source is x0 (computed so,
   * exactly), plus (1 - t) (source - x0) / t otherwise. {@code t} broadcasts over the latent ([B, 1, 1, 1]).
   */
  static Tensor velocityTarget(Tensor x0, Tensor source, Tensor noise, Tensor t) {
    Tensor target = noise.sub(x0);
    return source == x0 ? target : target.add(source.sub(x0).mul(t.neg().add(Tensors.scalar(1)).div(t)));
  }

  /** 1 everywhere, 1 + {@code weight} on the latent cells an object's box touches: [B, 1, L, L] for an L x L latent. */
  Tensor latentObjectWeights(List<List<SceneObject>> objects, long latent, double weight) {
    int l = (int) latent, f = cfg.size() / l;
    float[] w = new float[objects.size() * l * l];
    java.util.Arrays.fill(w, 1f);
    for (int i = 0; i < objects.size(); i++)
      for (SceneObject o : objects.get(i))
        for (int y = Math.max(0, o.y0() / f); y <= Math.min(l - 1, (o.y1() - 1) / f); y++)
          for (int x = Math.max(0, o.x0() / f); x <= Math.min(l - 1, (o.x1() - 1) / f); x++)
            w[(i * l + y) * l + x] = (float) (1 + weight);
    return Tensors.fromFloats(w, objects.size(), 1, l, l);
  }

  private void updateEma() {
    double d = Math.min(cfg.emaDecay(), (1.0 + step) / (10.0 + step));
    try (NoGradGuard g = new NoGradGuard()) {
      model.tensors().forEach((k, p) -> ema.get(k).mul_(new Scalar(d)).add_(p.detach(), new Scalar(1 - d)));
    }
  }

  /** Scenes from consecutive seeds as [n, 3, S, S] in [-1, 1]; their captions are added to {@code captions} when given. */
  Tensor scenes(long firstSeed, int n, List<String> captions) { return scenes(firstSeed, n, captions, null); }

  /** ... and each rendered scene (image and truth) is added to {@code rendered} when given. */
  Tensor scenes(long firstSeed, int n, List<String> captions, List<SceneRenderer.Rendered> rendered) {
    return scenes(firstSeed, n, captions, rendered, null);
  }

  /** ... with scene i laid out by {@code codes[i]} when codes are given. */
  Tensor scenes(long firstSeed, int n, List<String> captions, List<SceneRenderer.Rendered> rendered, LayoutCode[] codes) {
    TensorVector parts = new TensorVector();
    for (int i = 0; i < n; i++) {
      SceneRenderer.Options options = codes == null ? SceneRenderer.Options.ANY : SceneRenderer.Options.coded(codes[i]);
      SceneRenderer.Rendered r = SceneRenderer.render(firstSeed + i, cfg.size(), cfg.size(), options);
      parts.push_back(Images.toTensor(r.image()));
      if (captions != null) captions.add(Captions.caption(r.truth()));
      if (rendered != null) rendered.add(r);
    }
    return placement.place(cat(parts, 0));
  }

  /** The autoencoder's latent shape for n scenes: [n, z channels, S / f, S / f], f its downsampling factor. */
  long[] latentShape(int n) {
    long side = cfg.size() >> (cfg.ae().chMult().length - 1);
    return new long[] {n, cfg.ae().zChannels(), side, side};
  }

  /** Each item's layout code, read from its noise [B, C, H, W]. */
  static LayoutCode[] layoutCodes(Tensor noise, boolean local) {
    int b = (int) noise.size(0), c = (int) noise.size(1), h = (int) noise.size(2), w = (int) noise.size(3);
    float[] all = Tensors.floats(noise);
    LayoutCode[] codes = new LayoutCode[b];
    int per = c * h * w;
    for (int i = 0; i < b; i++) codes[i] = LayoutCode.fromNoise(java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per), c, h, w, local);
    return codes;
  }

  // ------------------------------------------------------------------ state

  /** Writes a checkpoint folder, then points {@code latest} at it (atomic), then drops older checkpoints. */
  public void save() {
    String name = String.format(Locale.ROOT, "ckpt-%09d", totalSteps());
    Path dir = stateDir.resolve(name);
    deleteTree(dir); // a partial folder of the same step from an interrupted save
    Map<String, String> meta = Map.of("format", "pt", "dualproc", "world generator training state");
    SafeTensorsWriter.write(dir.resolve("ae.safetensors"), aeParams.tensors(), meta);
    if (aeStep < cfg.aeSteps()) SafeTensorsWriter.write(dir.resolve("ae_adam.safetensors"), aeOpt.stateTensors(), meta);
    SafeTensorsWriter.write(dir.resolve("model.safetensors"), model.tensors(), meta);
    SafeTensorsWriter.write(dir.resolve("ema.safetensors"), ema, meta);
    SafeTensorsWriter.write(dir.resolve("adam.safetensors"), opt.stateTensors(), meta);
    ObjectNode j = JSON.createObjectNode();
    j.put("seed", seed).put("object_weight", objectWeight).put("object_weight_since", objectWeightSince).put("ae_step", aeStep).put("step", step).put("warm_start", warmStart).put("seconds", seconds)
        .put("decoder_steps", decoderSteps)
        .put("transformer_from", transformerFrom)
        .put("rng", "none to restore: each step's noise comes from a generator seeded by (seed, phase, step)")
        .put("saved", Instant.now().toString());
    if (latentScaleFitted()) j.put("latent_scale", latentScale).put("latent_shift", latentShift);
    if (!Double.isNaN(lrOverride)) j.put("lr", lrOverride).put("lr_since", lrSince);
    if (bf16) j.put("bf16", true);
    if (repa != null) {
      j.put("repa_weight", repa.weight).put("repa_encoder", Repa.recorded(repa.encoderFolder));
      repa.save(dir, meta);
    }
    if (blobFraction > 0) j.put("blob_fraction", blobFraction);
    if (layoutFromNoise) j.put("layout_from_noise", true);
    if (highT > 0) j.put("high_t", highT);
    if (localObjectCodes) j.put("object_codes", "local");
    if (sceneMap != null) {
      j.put("scene_map_weight", sceneMap.weight);
      sceneMap.save(dir, meta);
    }
    if (decoderSettings != null) j.set("decoder_settings", decoderSettings);
    j.set("config", cfg.toJson());
    AtomicFiles.writeString(dir.resolve("trainer.json"), j.toPrettyString() + "\n");
    AtomicFiles.writeString(stateDir.resolve("latest"), name + "\n");
    try (Stream<Path> s = Files.list(stateDir)) {
      s.filter(p -> p.getFileName().toString().startsWith("ckpt-") && !p.getFileName().toString().equals(name)).forEach(GeneratorTrainer::deleteTree);
    } catch (IOException e) {
      throw new DualprocException(stateDir + ": cannot list (" + e.getMessage() + ")", e);
    }
  }

  private static Path latestCheckpoint(Path stateDir) {
    try {
      return stateDir.resolve(Files.readString(stateDir.resolve("latest")).trim());
    } catch (IOException e) {
      throw new DualprocException(stateDir + ": cannot read 'latest' (" + e.getMessage() + ")", e);
    }
  }

  private static JsonNode trainerJson(Path dir) {
    try {
      return JSON.readTree(dir.resolve("trainer.json").toFile());
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot read trainer.json (" + e.getMessage() + ")", e);
    }
  }

  /** A state folder continues only the run that made it: same config (every setting) and seed. */
  private static void checkSameRun(Path stateDir, GeneratorConfig cfg, long seed) {
    Path dir = latestCheckpoint(stateDir);
    JsonNode j = trainerJson(dir);
    if (!cfg.toJson().equals(j.get("config")))
      throw new DualprocException(dir + ": this state was trained with config '" + j.path("config").path("name").asText()
          + "' (or other settings); resume with the same --config, or start a new --state folder");
    if (j.path("seed").asLong() != seed)
      throw new DualprocException(dir + ": this state was trained with --seed " + j.path("seed").asLong() + ", not " + seed);
  }

  private void load() {
    Path dir = latestCheckpoint(stateDir);
    JsonNode j = trainerJson(dir);
    aeStep = j.path("ae_step").asLong();
    step = j.path("step").asLong();
    warmStart = j.path("warm_start").asLong(0);
    seconds = j.path("seconds").asDouble();
    decoderSteps = j.path("decoder_steps").asLong(0);
    decoderSettings = j.get("decoder_settings");
    objectWeight = j.path("object_weight").asDouble(0);
    objectWeightSince = j.path("object_weight_since").asLong(0);
    lrOverride = j.has("lr") ? j.get("lr").asDouble() : Double.NaN;
    bf16 = j.path("bf16").asBoolean(false);
    if (j.path("repa_weight").asDouble(0) > 0) {
      repa = new Repa(j.get("repa_weight").asDouble(), Repa.resolve(j.get("repa_encoder").asText()), cfg.flux().hiddenSize(), mix(seed, 14, 0), lr());
      repa.load(dir);
    }
    blobFraction = j.path("blob_fraction").asDouble(0);
    layoutFromNoise = j.path("layout_from_noise").asBoolean(false);
    highT = j.path("high_t").asDouble(0);
    localObjectCodes = j.path("object_codes").asText("global").equals("local");
    if (j.path("scene_map_weight").asDouble(0) > 0) {
      sceneMap = new SceneMap(j.get("scene_map_weight").asDouble(), cfg.flux().hiddenSize(), mix(seed, 15, 0), lr());
      sceneMap.load(dir);
    }
    lrSince = j.path("lr_since").asLong(0);
    transformerFrom = j.hasNonNull("transformer_from") ? j.get("transformer_from").asText() : null;
    try (TensorSource s = TensorSources.open(dir.resolve("ae.safetensors"))) { aeParams.copyFrom(s); }
    if (aeStep < cfg.aeSteps())
      try (TensorSource s = TensorSources.open(dir.resolve("ae_adam.safetensors"))) { aeOpt.loadState(s); }
    try (TensorSource s = TensorSources.open(dir.resolve("model.safetensors"))) { model.copyFrom(s); }
    try (TensorSource s = TensorSources.open(dir.resolve("ema.safetensors"))) { ParameterSet.copyInto(ema, s); }
    try (TensorSource s = TensorSources.open(dir.resolve("adam.safetensors"))) { opt.loadState(s); }
    if (j.has("latent_scale")) {
      latentScale = j.get("latent_scale").asDouble();
      latentShift = j.get("latent_shift").asDouble();
      rebuildAutoEncoder();
    }
  }

  /**
   * Starts this (fresh) state from an exported pipeline folder: its bf16 weights become the weights and the EMA, its
   * latent scale and shift are kept, the autoencoder phase counts as done, the transformer step continues from the
   * folder's dualproc.trained_steps. Adam moments start from zero, so the learning rate warms up again.
   */
  public void warmStartFrom(Path pipeline) {
    if (totalSteps() > 0) throw new DualprocException(stateDir + ": --init-from needs a fresh state folder; this one is at step " + totalSteps());
    JsonNode d = exportRecord(pipeline);
    AutoEncoderParams vae = AutoEncoderParams.fromJson(pipeline.resolve("vae").resolve("config.json"));
    Map<String, Tensor> ae = new LinkedHashMap<>();
    try (TensorSource raw = TensorSources.open(pipeline.resolve("vae").resolve(AutoEncoderFiles.DIFFUSERS_WEIGHTS))) {
      TensorSource bfl = dev.dualproc.model.flux.AutoEncoderKeys.bflView(raw, vae.levels());
      for (String k : bfl.names()) ae.put(k, bfl.load(k).to(ScalarType.Float));
      if (cfg.growsKindChannelsFrom(vae.zChannels())) {
        KindChannels.growAutoEncoder(ae, vae.zChannels());
        log("autoencoder grown from " + vae.zChannels() + " to " + cfg.ae().zChannels() + " latent channels (kind channels, unread at the start)");
      }
      aeParams.copyFrom(TensorSources.of(pipeline + " vae", ae));
    }
    loadTransformerAndText(pipeline);
    aeStep = cfg.aeSteps();
    step = d.get("trained_steps").asLong();
    warmStart = step;
    seconds = d.path("trained_seconds").asDouble(0); // the card's training time counts the whole history
    decoderSteps = d.path("decoder_steps").asLong(0); // a refined decoder stays refined: its record goes on to the next export
    decoderSettings = decoderSteps > 0 ? d.get("decoder_settings") : null;
    latentScale = vae.scaleFactor();
    latentShift = vae.shiftFactor();
    rebuildAutoEncoder();
    log("warm start from " + pipeline + " at transformer step " + step);
  }

  /**
   * Starts this state's transformer and text encoders (not its autoencoder) from an exported pipeline, before its first
   * transformer step: a new autoencoder's latents differ from the export's, but what the text encoders and the blocks
   * learned about captions and layout carries over, and the embedding layers relearn the latents. Recorded in the
   * state and on the model card; the transformer's step count starts at 0.
   */
  public void transformerFrom(Path pipeline) {
    if (step > 0) throw new DualprocException(stateDir + ": --transformer-from needs a state whose transformer has not trained yet; this one is at transformer step " + step);
    long steps = exportRecord(pipeline).get("trained_steps").asLong();
    loadTransformerAndText(pipeline);
    transformerFrom = pipeline.toString() + " (transformer step " + steps + ")";
    log("transformer and text encoders from " + transformerFrom);
  }

  /** The dualproc record of an exported pipeline's model_index.json; an error unless this trainer wrote it. */
  private static JsonNode exportRecord(Path pipeline) {
    JsonNode d;
    try {
      d = JSON.readTree(pipeline.resolve("model_index.json").toFile()).path("dualproc");
    } catch (IOException e) {
      throw new DualprocException(pipeline + ": cannot read model_index.json (" + e.getMessage() + ")", e);
    }
    if (!d.has("trained_steps")) throw new DualprocException(pipeline + ": model_index.json has no dualproc.trained_steps: not a pipeline this trainer exported");
    return d;
  }

  /** An export's transformer (grown to this config's depth) and text encoders become the weights and the EMA. */
  private void loadTransformerAndText(Path pipeline) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    try (TensorSource flux = dev.dualproc.model.flux.FluxCheckpoint.open(pipeline);
         TensorSource clipW = TensorSources.open(pipeline.resolve("text_encoder"));
         TensorSource t5W = TensorSources.open(pipeline.resolve("text_encoder_2"))) {
      for (String k : flux.names()) m.put("transformer." + k, flux.load(k).to(ScalarType.Float));
      for (String k : clipW.names()) m.put("text_encoder." + k, clipW.load(k).to(ScalarType.Float));
      for (String k : t5W.names()) m.put("text_encoder_2." + k, t5W.load(k).to(ScalarType.Float));
      grow(m, pipeline);
      int zFrom = dev.dualproc.model.flux.FluxCheckpoint.params(pipeline).latentChannels();
      if (cfg.growsKindChannelsFrom(zFrom)) {
        KindChannels.growTransformer(m, zFrom, mix(seed, 18, 0));
        log("transformer grown from " + 4 * zFrom + " to " + cfg.flux().inChannels() + " packed features (kind channels: random reads, zero velocity at the start)");
      }
      model.copyFrom(TensorSources.of(pipeline.toString(), m));
      ParameterSet.copyInto(ema, TensorSources.of(pipeline.toString(), m));
    }
  }

  private static final java.util.regex.Pattern BLOCK = java.util.regex.Pattern.compile("transformer\\.(double|single)_blocks\\.(\\d+)\\..*");

  /**
   * Growing a transformer: where this config has more double or single blocks than {@code pipeline}, the export's
   * blocks fill the first places and the extra blocks keep this state's adaLN-Zero init (zero modulation, so each new
   * block passes its input through unchanged and the grown model starts as the same function). Any other difference
   * (width, a missing tensor) is refused by the copy that follows.
   */
  void grow(Map<String, Tensor> loaded, Path pipeline) {
    FluxParams from = dev.dualproc.model.flux.FluxCheckpoint.params(pipeline), to = cfg.flux();
    if (to.depth() < from.depth() || to.depthSingleBlocks() < from.depthSingleBlocks())
      throw new DualprocException(pipeline + ": its transformer has " + from.depth() + " double and " + from.depthSingleBlocks()
          + " single blocks, more than config " + cfg.name() + "'s " + to.depth() + " and " + to.depthSingleBlocks() + "; warm-start a config at least as deep");
    int added = 0;
    for (var e : model.tensors().entrySet()) {
      var mt = BLOCK.matcher(e.getKey());
      if (!mt.matches() || Integer.parseInt(mt.group(2)) < (mt.group(1).equals("double") ? from.depth() : from.depthSingleBlocks())) continue;
      loaded.put(e.getKey(), e.getValue().detach().clone());
      added++;
    }
    if (added > 0)
      log(String.format(Locale.ROOT, "grown from %d + %d to %d + %d blocks (%d new tensors, identity at the start: zero modulation)",
          from.depth(), from.depthSingleBlocks(), to.depth(), to.depthSingleBlocks(), added));
  }

  /** Appends a line to {@code train.log} in the state folder. */
  public void log(String line) { TrainLog.append(stateDir, line); }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    } catch (IOException e) {
      throw new DualprocException(p + ": cannot delete (" + e.getMessage() + ")", e);
    }
  }

  /** A 64-bit mix of (seed, phase, step) (splitmix64 finaliser), non-negative: the seed of one step's noise. */
  static long mix(long seed, long phase, long step) {
    long z = seed * 0x9E3779B97F4A7C15L + phase * 0xBF58476D1CE4E5B9L + step * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }
}
