package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AdamW;
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
import dev.dualproc.model.flux.AutoEncoder;
import dev.dualproc.model.flux.AutoEncoderFiles;
import dev.dualproc.model.flux.AutoEncoderKeys;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.FluxCond;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.flux.FluxSampler;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cat;

/**
 * Sharpens an exported generator's autoencoder decoder with its encoder frozen, so the latent space the transformer
 * learned stays valid: the decoder learns to draw the same latents with the small parts (trunks, roofs, legs, tyres)
 * that the verifiers look for. Loss: L1 weighted up inside the objects' boxes, plus L1 between the images' finite
 * differences (edges). Like the generator's phases, every step is a function of (seed, step) and the state.
 */
public final class DecoderTrainer {
  /** Training scenes of this phase; held-out ranges are below 2^40. */
  public static final long DECODER_SEEDS = 5L << 40;

  /**
   * Batch, learning rate (after a 50-step warm-up), weight of object pixels (1 elsewhere), weight of the edge term; the
   * share of each batch decoded from the transformer's own denoising of the scene's latent noised to a schedule time
   * of at most {@code denoiseFrom} (one time per step, the items denoised as one batch) instead of a posterior sample
   * (0: none), so the decoder learns to draw the latents the transformer makes, not only the encoder's.
   */
  public record Settings(int batch, double lr, double objectWeight, double edgeWeight, double denoised, double denoiseFrom, double imageBlur,
                         double blobShare) {
    public static final Settings DEFAULT = new Settings(16, 2e-4, 4.0, 1.0, 0, 0, 1.0, 0);

    public Settings(int batch, double lr, double objectWeight, double edgeWeight, double denoised, double denoiseFrom) {
      this(batch, lr, objectWeight, edgeWeight, denoised, denoiseFrom, DEFAULT.imageBlur, 0);
    }

    public Settings {
      if (!(denoised >= 0 && denoised <= 1)) throw new DualprocException("--denoised-fraction: expected a number in [0, 1], got " + denoised);
      if (denoised > 0 && !(denoiseFrom > 0 && denoiseFrom <= 1)) throw new DualprocException("--denoise-from: expected a time in (0, 1], got " + denoiseFrom);
      if (!(imageBlur >= 0 && imageBlur <= 1)) throw new DualprocException("--image-blur: expected a share in [0, 1], got " + imageBlur);
      if (!(blobShare >= 0 && blobShare <= 1)) throw new DualprocException("--blob-share: expected a share in [0, 1], got " + blobShare);
    }

    /** Items of a batch whose image channels are those of the scene with its objects painted as blobs (the first ones). */
    int blobItems() { return (int) Math.round(blobShare * batch); }

    /** Items of a batch decoded from denoised latents (the first ones). */
    int denoisedItems() { return (int) Math.round(denoised * batch); }

    /** The settings as recorded; the image blur only for pipelines with kind channels (the only ones it applies to). */
    ObjectNode toJson(boolean kinds) {
      ObjectNode j = JSON.createObjectNode().put("batch", batch).put("lr", lr).put("object_weight", objectWeight).put("edge_weight", edgeWeight);
      if (kinds) j.put("image_blur", imageBlur);
      if (kinds && blobShare > 0) j.put("blob_share", blobShare); // absent: states written before stay equal
      if (denoised > 0) j.put("denoised", denoised).put("denoise_from", denoiseFrom); // absent: states and pipelines written before stay equal
      return j;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  final Path stateDir, pipeline;
  final Settings settings;
  final long seed;
  final AutoEncoderParams params;
  final ParameterSet aeParams;
  final List<Tensor> decoderParams;
  final AdamW opt;
  final AutoEncoder ae;
  final String encoderFingerprint;
  final int size;
  final Placement placement;
  final FluxPipeline teacher; // the pipeline's transformer and text encoders, for the denoised items (null when there are none)
  final int[] denoiseSteps; // the schedule indices a denoised item may start from
  final int kindChannels; // the pipeline's KindChannels (0: none); with them the encoder's kind rows train too
  final List<Tensor> headParams; // encoder.conv_out weight and bias when kindChannels > 0 (only the kind mean rows move)
  final AdamW headOpt;
  /**
   * With kind channels, half of each batch decodes its image channels blended toward their blur (a 3x3 box blur applied
   * twice) by a share up to {@link Settings#imageBlur} plus noise up to 0.2 of their standard deviation (the kind
   * channels: toward one 3x3 box blur by up to 0.5, noise up to 0.2 scaled units), so the decoder learns to draw the
   * shapes from the kinds where the transformer's image channels are smooth: its generated objects are blobs.
   */
  static final double IMAGE_NOISE = 0.2, KIND_BLUR = 0.5, KIND_NOISE = 0.2;
  long step;
  double seconds;

  private DecoderTrainer(Path pipeline, Path stateDir, Settings settings, long seed, Placement placement) {
    this.pipeline = pipeline; this.stateDir = stateDir; this.settings = settings; this.seed = seed;
    this.placement = new Placement(placement.device(), ScalarType.Float);
    params = AutoEncoderParams.fromJson(pipeline.resolve("vae").resolve("config.json"));
    Map<String, Tensor> bfl = new LinkedHashMap<>();
    try (TensorSource raw = TensorSources.open(pipeline.resolve("vae").resolve(AutoEncoderFiles.DIFFUSERS_WEIGHTS))) {
      TensorSource view = AutoEncoderKeys.bflView(raw, params.levels());
      for (String k : view.names()) bfl.put(k, view.load(k).to(ScalarType.Float));
    }
    aeParams = new ParameterSet(bfl, placement);
    aeParams.tensors().forEach((k, t) -> { if (!k.startsWith("decoder.")) t.requires_grad_(false); });
    decoderParams = aeParams.tensors().entrySet().stream().filter(e -> e.getKey().startsWith("decoder.")).map(Map.Entry::getValue).toList();
    if (decoderParams.isEmpty()) throw new DecoderError(pipeline.resolve("vae") + ": no decoder.* tensors");
    opt = new AdamW(decoderParams, AdamW.Options.lr(settings.lr()));
    kindChannels = KindChannels.of(pipeline);
    if (kindChannels > 0 && settings.denoisedItems() > 0) throw new DecoderError("--denoised-fraction: not with " + pipeline + "'s kind channels");
    if (kindChannels == 0 && settings.blobShare() > 0) throw new DecoderError("--blob-share: " + pipeline + " has no kind channels to draw the blobs' kinds from");
    if (kindChannels > 0 && params.zChannels() <= kindChannels)
      throw new DecoderError(pipeline.resolve("vae").resolve("config.json") + ": latent_channels " + params.zChannels() + " leaves no image channels before " + kindChannels + " kind channels");
    headParams = kindChannels == 0 ? List.of() : List.of(aeParams.tensors().get("encoder.conv_out.weight"), aeParams.tensors().get("encoder.conv_out.bias"));
    headParams.forEach(t -> t.requires_grad_(true));
    headOpt = kindChannels == 0 ? null : new AdamW(headParams, AdamW.Options.lr(settings.lr())); // no weight decay: rows without gradient stay put
    ae = AutoEncoder.load(aeParams.source("vae", ""), params, new Placement(placement.device(), ScalarType.Float));
    encoderFingerprint = fingerprint(aeParams.tensors(), kindChannels, params.zChannels());
    size = params.resolution();
    teacher = settings.denoisedItems() > 0 ? FluxPipeline.open(pipeline, this.placement, size, size, 0) : null;
    denoiseSteps = teacher == null ? new int[0] : startSteps(teacher.sampler(), settings.denoiseFrom());
  }

  /** Indices i of the schedule with 0 < t_i <= from. */
  static int[] startSteps(FluxSampler s, double from) {
    int[] steps = java.util.stream.IntStream.range(0, s.steps()).filter(i -> s.sigma(i) <= from + 1e-6).toArray();
    if (steps.length == 0) throw new DualprocException("--denoise-from " + from + ": no time of the pipeline's " + s.steps() + "-step schedule is that low");
    return steps;
  }

  /** Thrown for pipelines or states this phase cannot use. */
  static final class DecoderError extends DualprocException {
    DecoderError(String m) { super(m); }
  }

  /** Opens {@code stateDir} for {@code pipeline}'s autoencoder: resumes its decoder when the state holds one trained for this encoder. */
  public static DecoderTrainer open(Path pipeline, Path stateDir, Settings settings, long seed, Placement placement) {
    if (!Files.isRegularFile(pipeline.resolve("vae").resolve("config.json")))
      throw new DualprocException(pipeline + ": not a pipeline folder (no vae/config.json)");
    try {
      Files.createDirectories(stateDir);
    } catch (IOException e) {
      throw new DualprocException(stateDir + ": cannot create the state folder (" + e.getMessage() + ")", e);
    }
    DecoderTrainer t = new DecoderTrainer(pipeline, stateDir, settings, seed, placement);
    if (Files.isRegularFile(stateDir.resolve("trainer.json"))) t.load();
    else t.step = refinedSteps(pipeline); // a pipeline refined before goes on where its refinement stopped (fresh optimiser)
    return t;
  }

  /** The decoder steps a pipeline's model_index.json records (0 when its decoder is the autoencoder phase's). */
  static long refinedSteps(Path pipeline) {
    Path index = pipeline.resolve("model_index.json");
    if (!Files.isRegularFile(index)) return 0;
    try {
      return JSON.readTree(index.toFile()).path("dualproc").path("decoder_steps").asLong(0);
    } catch (IOException e) {
      throw new DualprocException(index + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  public long step() { return step; }
  public double seconds() { return seconds; }

  /** One decoder step; returns {loss, gradient norm, lr, the encoder's kind-map error (NaN without kind channels)}. */
  public double[] trainStep() {
    long t0 = System.nanoTime();
    org.bytedeco.pytorch.Generator g = Rng.generator(GeneratorTrainer.mix(seed, 3, step));
    double lr = settings.lr() * Math.min(1.0, (step + 1) / 50.0);
    double[] out = {Double.NaN, Double.NaN, lr, Double.NaN};
    StepScope.run(() -> {
      int b = settings.batch();
      List<List<SceneObject>> objects = new java.util.ArrayList<>();
      List<SceneRenderer.Rendered> scenes = new java.util.ArrayList<>();
      TensorVector parts = new TensorVector();
      List<String> captions = new java.util.ArrayList<>();
      for (int i = 0; i < b; i++) {
        SceneRenderer.Rendered r = SceneRenderer.render(DECODER_SEEDS + step * b + i, size, size);
        parts.push_back(Images.toTensor(r.image()));
        captions.add(dev.dualproc.world.Captions.caption(r.truth()));
        objects.add(r.truth().objects());
        scenes.add(r);
      }
      Tensor x = placement.place(cat(parts, 0));
      Tensor w = placement.place(GeneratorTrainer.pixelObjectWeights(objects, size, settings.objectWeight()));
      int z = params.zChannels();
      Tensor sample;
      int k = settings.denoisedItems();
      Tensor graphMoments = kindChannels > 0 ? ae.encoder.forward(x) : null; // its graph reaches conv_out's kind rows, which the map trains
      try (NoGradGuard ng = new NoGradGuard()) {
        Tensor moments = graphMoments != null ? graphMoments.detach() : ae.encoder.forward(x);
        Tensor logvar = moments.narrow(1, z, z).clamp(new ScalarOptional(new Scalar(-30.0)), new ScalarOptional(new Scalar(20.0)));
        Tensor eps = placement.place(Rng.normal(g, Tensors.shape(logvar)));
        sample = moments.narrow(1, 0, z).add(logvar.mul(new Scalar(0.5)).exp().mul(eps)); // as the autoencoder phase trained it
        if (k > 0) sample = cat(new TensorVector(denoised(moments.narrow(1, 0, z).narrow(0, 0, k), captions.subList(0, k), g), sample.narrow(0, k, b - k)), 0);
      }
      Tensor headLoss = null;
      if (kindChannels > 0) {
        Tensor[] kinds = kindInput(graphMoments, sample, scenes, g);
        sample = kinds[0];
        headLoss = kinds[1];
      }
      Tensor rec = ae.decoder.forward(sample);
      Tensor loss = weightedL1(rec, x, w).add(edgeL1(rec, x).mul(new Scalar(settings.edgeWeight())));
      opt.zeroGrad();
      if (headOpt != null) headOpt.zeroGrad();
      (headLoss == null ? loss : loss.add(headLoss)).backward();
      out[1] = GradClip.clipNorm(decoderParams, 1.0);
      opt.setLr(lr);
      opt.step();
      if (headOpt != null) {
        keepKindRowsOnly();
        headOpt.setLr(lr);
        headOpt.step();
      }
      out[0] = Tensors.item(loss);
      if (headLoss != null) out[3] = Tensors.item(headLoss);
    });
    step++;
    seconds += (System.nanoTime() - t0) / 1e9;
    return out;
  }

  /**
   * The decoder's input with kind channels: the posterior sample's image channels and the renderer's kind map (raw
   * units), half of the items degraded (see {@link #IMAGE_NOISE}); the first {@link Settings#blobItems} instead take the
   * image channels of the scene with its objects painted as blobs of their colour (what the transformer draws), so
   * only the kinds can say the shape; and the encoder's kind rows' loss, the mean squared error of its kind channels
   * against the map in scaled units ({@code moments} keep the graph to conv_out).
   */
  private Tensor[] kindInput(Tensor moments, Tensor sample, List<SceneRenderer.Rendered> scenes, org.bytedeco.pytorch.Generator g) {
    List<dev.dualproc.world.SceneTruth> truths = scenes.stream().map(SceneRenderer.Rendered::truth).toList();
    int blobs = settings.blobItems();
    int z = params.zChannels(), zi = z - kindChannels, b = (int) sample.size(0);
    double scale = params.scaleFactor(), shift = params.shiftFactor();
    Tensor truth = placement.place(KindChannels.scaled(truths, (int) sample.size(2)));
    Tensor input;
    try (NoGradGuard ng = new NoGradGuard()) {
      float[] u = Tensors.floats(Rng.uniform(g, 5 * b));
      float[] ib = new float[b], in = new float[b], kb = new float[b], kn = new float[b];
      for (int i = 0; i < b; i++) {
        if (u[i] >= 0.5f || i < blobs) continue;
        ib[i] = (float) (settings.imageBlur() * u[b + i]);
        in[i] = (float) (IMAGE_NOISE * u[2 * b + i]);
        kb[i] = (float) (KIND_BLUR * u[3 * b + i]);
        kn[i] = (float) (KIND_NOISE * u[4 * b + i]);
      }
      Tensor clean = sample.narrow(1, 0, zi);
      Tensor image = clean.add(LatentBlurEval.boxBlur(LatentBlurEval.boxBlur(clean)).sub(clean).mul(weights(ib)))
          .add(placement.place(Rng.normal(g, Tensors.shape(clean))).mul(weights(in)).mul(clean.std()));
      if (blobs > 0) {
        TensorVector blobbed = new TensorVector();
        for (int i = 0; i < blobs; i++)
          blobbed.push_back(Images.toTensor(dev.dualproc.eval.Scrambles.allBlobbed(scenes.get(i).image(), truths.get(i), Blobs.RADIUS)));
        Tensor blobImage = ae.encoder.forward(placement.place(cat(blobbed, 0))).narrow(1, 0, zi);
        image = cat(new TensorVector(blobImage, image.narrow(0, blobs, b - blobs)), 0);
      }
      Tensor kinds = truth.add(LatentBlurEval.boxBlur(truth).sub(truth).mul(weights(kb)))
          .add(placement.place(Rng.normal(g, Tensors.shape(truth))).mul(weights(kn)));
      input = cat(new TensorVector(image, kinds.div(Tensors.scalar(scale)).add(Tensors.scalar(shift))), 1);
    }
    Tensor predicted = moments.narrow(1, zi, kindChannels).sub(Tensors.scalar(shift)).mul(Tensors.scalar(scale));
    return new Tensor[] {input, predicted.sub(truth).square().mean()};
  }

  private Tensor weights(float[] perItem) { return placement.place(Tensors.fromFloats(perItem, perItem.length, 1, 1, 1)); }

  /** Zeroes conv_out's gradient outside the kind mean rows, so the image channels' encoding (the transformer's latent space) stays exact. */
  private void keepKindRowsOnly() {
    int z = params.zChannels(), zi = z - kindChannels;
    try (NoGradGuard ng = new NoGradGuard()) {
      for (Tensor p : headParams) {
        Tensor grad = p.grad();
        if (grad == null || !grad.defined()) continue;
        grad.narrow(0, 0, zi).zero_();
        grad.narrow(0, z, z).zero_();
      }
    }
  }

  /**
   * Raw latents (the decoder's input) of the transformer's denoising: each scene's mean latent, scaled as the
   * transformer sees it, noised to one schedule time drawn from {@link #denoiseSteps} for the step, denoised with the
   * items' captions by the pipeline's remaining Euler steps as one batch, and unscaled.
   */
  private Tensor denoised(Tensor mean, List<String> captions, org.bytedeco.pytorch.Generator g) {
    AutoEncoderParams p = params;
    Tensor x0 = mean.sub(new Scalar(p.shiftFactor())).mul(new Scalar(p.scaleFactor()));
    int from = denoiseSteps[Math.min(denoiseSteps.length - 1, (int) (Tensors.floats(Rng.uniform(g, 1))[0] * denoiseSteps.length))];
    Tensor noise = placement.place(Rng.normal(g, Tensors.shape(x0)));
    TensorVector txt = new TensorVector(), vec = new TensorVector();
    for (String c : captions) {
      FluxCond fc = teacher.condition(c);
      txt.push_back(fc.txt());
      vec.push_back(fc.vec());
    }
    return teacher.sampler().renoised(x0, noise, from, FluxCond.of(cat(txt, 0), cat(vec, 0))).div(new Scalar(p.scaleFactor())).add(new Scalar(p.shiftFactor()));
  }

  static Tensor weightedL1(Tensor rec, Tensor x, Tensor w) {
    return rec.sub(x).abs().mul(w).mean().div(w.mean());
  }

  /** L1 between horizontal and vertical neighbour differences: flat L1 forgives a blurred one-pixel trunk, this does not. */
  static Tensor edgeL1(Tensor rec, Tensor x) {
    long h = x.size(2), w = x.size(3);
    Tensor dxr = rec.narrow(3, 1, w - 1).sub(rec.narrow(3, 0, w - 1)), dxx = x.narrow(3, 1, w - 1).sub(x.narrow(3, 0, w - 1));
    Tensor dyr = rec.narrow(2, 1, h - 1).sub(rec.narrow(2, 0, h - 1)), dyx = x.narrow(2, 1, h - 1).sub(x.narrow(2, 0, h - 1));
    return dxr.sub(dxx).abs().mean().add(dyr.sub(dyx).abs().mean());
  }

  /** A progress picture: held-out scenes (top) and their round trips through the frozen encoder and this decoder (bottom). */
  public void writeSamples(Path file) {
    List<java.awt.image.BufferedImage> top = new java.util.ArrayList<>(), bottom = new java.util.ArrayList<>();
    Map<String, String> text = new LinkedHashMap<>();
    text.put("what", "held-out scenes (top) and their round trips through the frozen encoder and the refined decoder (bottom)");
    text.put("decoder_step", Long.toString(step));
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < GeneratorSamples.COUNT; i++) {
        java.awt.image.BufferedImage scene = SceneRenderer.render(GeneratorTrainer.HELD_OUT_FIRST_SEED + i, size, size).image();
        top.add(scene);
        bottom.add(Images.toImage(StepScope.compute(() -> ae.decoder.forward(
            ae.moments(placement.place(Images.toTensor(scene))).narrow(1, 0, params.zChannels())).clamp(
            new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0))).select(0, 0))));
      }
    }
    Images.writePng(file, GeneratorSamples.grid(top, bottom), text);
  }

  // ------------------------------------------------------------------ state

  /** Writes the decoder and its optimiser, then trainer.json last (atomic): a crash leaves the previous state readable. */
  public void save() {
    Map<String, String> meta = Map.of("format", "pt", "dualproc", "world decoder refinement state");
    Map<String, Tensor> dec = trained();
    String tag = String.format(Locale.ROOT, "%09d", step);
    SafeTensorsWriter.write(stateDir.resolve("decoder-" + tag + ".safetensors"), dec, meta);
    SafeTensorsWriter.write(stateDir.resolve("adam-" + tag + ".safetensors"), opt.stateTensors(), meta);
    if (headOpt != null) SafeTensorsWriter.write(stateDir.resolve("head-adam-" + tag + ".safetensors"), headOpt.stateTensors(), meta);
    ObjectNode j = JSON.createObjectNode();
    j.put("seed", seed).put("step", step).put("seconds", seconds).put("encoder", encoderFingerprint).put("tag", tag)
        .put("saved", Instant.now().toString());
    j.set("settings", settings.toJson(kindChannels > 0));
    String previous = readJson().map(o -> o.path("tag").asText()).orElse(null);
    AtomicFiles.writeString(stateDir.resolve("trainer.json"), j.toPrettyString() + "\n");
    if (previous != null && !previous.equals(tag)) {
      try {
        Files.deleteIfExists(stateDir.resolve("decoder-" + previous + ".safetensors"));
        Files.deleteIfExists(stateDir.resolve("adam-" + previous + ".safetensors"));
        Files.deleteIfExists(stateDir.resolve("head-adam-" + previous + ".safetensors"));
      } catch (IOException e) {
        throw new DualprocException(stateDir + ": cannot delete the previous checkpoint (" + e.getMessage() + ")", e);
      }
    }
  }

  /** What this phase trains: the decoder, and with kind channels the encoder's conv_out (its kind rows). */
  private Map<String, Tensor> trained() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    aeParams.tensors().forEach((k, t) -> { if (k.startsWith("decoder.") || (kindChannels > 0 && k.startsWith("encoder.conv_out."))) m.put(k, t); });
    return m;
  }

  private java.util.Optional<JsonNode> readJson() {
    Path f = stateDir.resolve("trainer.json");
    if (!Files.isRegularFile(f)) return java.util.Optional.empty();
    try {
      return java.util.Optional.of(JSON.readTree(f.toFile()));
    } catch (IOException e) {
      throw new DualprocException(f + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  private void load() {
    JsonNode j = readJson().orElseThrow();
    Path f = stateDir.resolve("trainer.json");
    if (!encoderFingerprint.equals(j.path("encoder").asText()))
      throw new DecoderError(f + ": this decoder was trained for another encoder than " + pipeline
          + "'s (the generator's autoencoder phase differs); use a new --state folder");
    if (j.path("seed").asLong() != seed) throw new DecoderError(f + ": trained with --seed " + j.path("seed").asLong() + ", not " + seed);
    if (!settings.toJson(kindChannels > 0).equals(j.get("settings"))) throw new DecoderError(f + ": trained with other settings " + j.get("settings"));
    String tag = j.path("tag").asText();
    Map<String, Tensor> dec = trained();
    try (TensorSource s = TensorSources.open(stateDir.resolve("decoder-" + tag + ".safetensors"))) { ParameterSet.copyInto(dec, s); }
    try (TensorSource s = TensorSources.open(stateDir.resolve("adam-" + tag + ".safetensors"))) { opt.loadState(s); }
    if (headOpt != null)
      try (TensorSource s = TensorSources.open(stateDir.resolve("head-adam-" + tag + ".safetensors"))) { headOpt.loadState(s); }
    step = j.path("step").asLong();
    seconds = j.path("seconds").asDouble();
  }

  /**
   * Writes a copy of the source pipeline with this decoder into a temporary folder beside {@code out} (the encoder as
   * it was, both in bf16, diffusers names) and records the refinement in model_index.json; swap it in with
   * {@link GeneratorExport#replace}.
   */
  public Path writeTemporary(Path out) {
    Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    GeneratorTrainer.deleteTree(tmp);
    try {
      copyTree(pipeline, tmp);
      Map<String, Tensor> bf16 = new LinkedHashMap<>();
      aeParams.tensors().forEach((k, t) -> bf16.put(k, t.detach().to(ScalarType.BFloat16)));
      SafeTensorsWriter.write(tmp.resolve("vae").resolve(AutoEncoderFiles.DIFFUSERS_WEIGHTS),
          AutoEncoderKeys.bflToDiffusers(bf16, params.levels()), Map.of("format", "pt"));
      Path index = tmp.resolve("model_index.json");
      ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
      ObjectNode d = root.has("dualproc") ? (ObjectNode) root.get("dualproc") : root.putObject("dualproc");
      d.put("decoder_steps", step).set("decoder_settings", settings.toJson(kindChannels > 0));
      AtomicFiles.writeString(index, root.toPrettyString() + "\n");
    } catch (IOException e) {
      throw new DualprocException(tmp + ": cannot write the refined pipeline (" + e.getMessage() + ")", e);
    }
    return tmp;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(q);
        else Files.copy(p, q);
      }
    }
  }

  /**
   * A digest of the encoder's weights: the state belongs to the encoder it was trained under. With kind channels the
   * encoder's kind rows are left out: the state trains them, so any pipeline with the same image encoder (another
   * transformer grown from the same export) can take this state's decoder and kind rows.
   */
  private static String fingerprint(Map<String, Tensor> ae, int kinds, int z) {
    double a = 0, b = 0;
    int i = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (var e : ae.entrySet()) {
        if (e.getKey().startsWith("decoder.")) continue;
        i++;
        Tensor t = e.getValue();
        if (kinds > 0 && e.getKey().startsWith("encoder.conv_out."))
          t = cat(new TensorVector(t.narrow(0, 0, z - kinds), t.narrow(0, z, z - kinds)), 0); // image means and log-variances
        a += Tensors.item(t.to(ScalarType.Double).abs().sum());
        b += i * Tensors.item(t.to(ScalarType.Double).sum());
      }
    }
    return String.format(Locale.ROOT, "%d:%.9e:%.9e", i, a, b);
  }

  /** Appends a line to {@code train.log} in the state folder. */
  public void log(String line) { TrainLog.append(stateDir, line); }
}
