package dev.dualproc.model.flux;

import dev.dualproc.distill.Conditioning;
import dev.dualproc.distill.Generator;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.text.ClipTextModel;
import dev.dualproc.model.text.T5Encoder;
import dev.dualproc.model.text.FluxTextEncoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * FLUX.1 as a teaching {@link Generator}: T5 + CLIP text encoders (prompt conditioning cached, encoders releasable),
 * the transformer with its LoRA, the schnell or dev schedule, and the autoencoder's decoder. Opens a diffusers
 * pipeline folder ({@code model_index.json}, {@code transformer/}, {@code vae/}, {@code text_encoder/},
 * {@code text_encoder_2/}, {@code tokenizer/}, {@code tokenizer_2/}); the transformer may also be a BFL single file
 * ({@code flux1-*.safetensors}) and the autoencoder {@code ae.safetensors} in that folder.
 */
public final class FluxPipeline implements Generator {
  /** What a FLUX variant samples with: schnell 4 steps, T5 length 256; dev 28 steps, 512, guidance 3.5. */
  public record Variant(String name, int steps, int t5MaxLength, double guidance) {
    public static final Variant SCHNELL = new Variant("schnell", 4, 256, 0.0);
    public static final Variant DEV = new Variant("dev", 28, 512, 3.5);
    public static Variant of(FluxParams p) { return p.guidanceEmbed() ? DEV : SCHNELL; }
  }


  /**
   * Sampling defaults a pipeline folder may carry in model_index.json under "dualproc" (the built-in world generator
   * does): {"steps": 8, "width": 64, "height": 64, "one_step_teaching": false, "max_sequence_length": 24}. Absent
   * fields are 0 / null: the variant's own defaults.
   */
  public record Defaults(int steps, int width, int height, Boolean oneStepTeaching, int maxSequenceLength, double guidanceScale) {
    public static final Defaults NONE = new Defaults(0, 0, 0, null, 0, 1.0);

    /** The "dualproc" object of {@code folder/model_index.json}, or {@link #NONE} when there is none. */
    public static Defaults read(Path folder) {
      Path index = folder.resolve("model_index.json");
      if (!Files.isRegularFile(index)) return NONE;
      com.fasterxml.jackson.databind.JsonNode d;
      try {
        d = new com.fasterxml.jackson.databind.ObjectMapper().readTree(index.toFile()).get("dualproc");
      } catch (java.io.IOException e) {
        throw new DualprocException(index + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
      }
      if (d == null || d.isNull()) return NONE;
      if (!d.isObject()) throw new DualprocException(index + ": \"dualproc\" must be an object");
      Boolean oneStep = null;
      if (d.has("one_step_teaching")) {
        if (!d.get("one_step_teaching").isBoolean()) throw new DualprocException(index + ": dualproc.one_step_teaching must be true or false");
        oneStep = d.get("one_step_teaching").booleanValue();
      }
      double guidance = 1.0;
      if (d.has("guidance_scale")) {
        if (!d.get("guidance_scale").isNumber() || !(d.get("guidance_scale").doubleValue() >= 1))
          throw new DualprocException(index + ": dualproc.guidance_scale must be a number >= 1 (1 = no guidance), got " + d.get("guidance_scale"));
        guidance = d.get("guidance_scale").doubleValue();
      }
      return new Defaults(positive(d, "steps", index), positive(d, "width", index), positive(d, "height", index), oneStep,
          positive(d, "max_sequence_length", index), guidance);
    }

    private static int positive(com.fasterxml.jackson.databind.JsonNode d, String field, Path index) {
      if (!d.has(field)) return 0;
      com.fasterxml.jackson.databind.JsonNode v = d.get(field);
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0)
        throw new DualprocException(index + ": dualproc." + field + " must be a positive integer, got " + v);
      return v.intValue();
    }
  }

  private final Path folder;
  public final Flux transformer;
  public final AutoEncoder ae;
  public final Variant variant;
  private final int width, height, steps;
  private final boolean oneStepFromNoise;
  private double guidanceScale;
  private final FluxSampler sampler;
  private final Map<String, Conditioning> conditioningCache = new HashMap<>();
  private FluxTextEncoders text;
  private LoraSet lora = new LoraSet(0, 0);

  private FluxPipeline(Path folder, Flux transformer, AutoEncoder ae, FluxTextEncoders text, int width, int height, int steps,
      Defaults defaults) {
    this.folder = folder; this.transformer = transformer; this.ae = ae;
    this.text = text;
    T5Encoder t5 = text.t5();
    ClipTextModel clip = text.clip();
    Variant v = Variant.of(transformer.params);
    this.variant = defaults.steps() > 0 || defaults.maxSequenceLength() > 0
        ? new Variant(v.name(), defaults.steps() > 0 ? defaults.steps() : v.steps(),
            defaults.maxSequenceLength() > 0 ? defaults.maxSequenceLength() : v.t5MaxLength(), v.guidance())
        : v;
    this.guidanceScale = defaults.guidanceScale();
    this.oneStepFromNoise = defaults.oneStepTeaching() != null ? defaults.oneStepTeaching() : !transformer.params.guidanceEmbed();
    int f = ae.params.downFactor() * 2; // the latent is packed 2x2, so image sides are multiples of 2 x the AE factor
    if (width <= 0 || height <= 0 || width % f != 0 || height % f != 0)
      throw new DualprocException("width/height: expected positive multiples of " + f + " for " + folder + ", got " + width + "x" + height);
    if (transformer.params.latentChannels() != ae.params.zChannels())
      throw new DualprocException(folder + ": the transformer takes " + transformer.params.latentChannels()
          + " latent channels but the autoencoder makes " + ae.params.zChannels());
    if (t5.config.dModel() != transformer.params.contextInDim())
      throw new DualprocException(folder + ": text_encoder_2 d_model " + t5.config.dModel() + " != transformer context_in_dim " + transformer.params.contextInDim());
    if (clip.config.hiddenSize() != transformer.params.vecInDim())
      throw new DualprocException(folder + ": text_encoder hidden_size " + clip.config.hiddenSize() + " != transformer vec_in_dim " + transformer.params.vecInDim());
    this.width = width; this.height = height;
    this.steps = steps > 0 ? steps : variant.steps();
    float[] schedule = transformer.params.guidanceEmbed()
        ? FluxSchedule.dev(this.steps, (long) (height / f) * (width / f))
        : FluxSchedule.schnell(this.steps);
    this.sampler = new FluxSampler(transformer, schedule, variant.guidance());
  }

  /**
   * Opens a pipeline folder; width/height/steps of 0 take the defaults: the folder's "dualproc" object
   * ({@link Defaults}), else 512x512 for FLUX.1 sized models and the variant's steps.
   */
  public static FluxPipeline open(Path folder, Placement placement, int width, int height, int steps) {
    if (!Files.isDirectory(folder)) throw new DualprocException(folder + ": not a folder (expected a FLUX pipeline folder with model_index.json)");
    for (String sub : new String[] {"text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2"})
      if (!Files.isDirectory(folder.resolve(sub)))
        throw new DualprocException(folder + ": missing " + sub + "/ (a FLUX pipeline folder has transformer/, vae/, text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/)");
    Flux transformer = FluxCheckpoint.load(transformerPath(folder), placement);
    AutoEncoder ae = AutoEncoderFiles.load(aePath(folder), placement);
    FluxTextEncoders text = FluxTextEncoders.loadDiffusers(folder, placement);
    Defaults d = Defaults.read(folder);
    int side = ae.params.downFactor() >= 8 ? 512 : 64; // FLUX.1's 8x autoencoder: 512 px; small built-in models: 64 px
    return new FluxPipeline(folder, transformer, ae, text,
        width > 0 ? width : d.width() > 0 ? d.width() : side, height > 0 ? height : d.height() > 0 ? d.height() : side, steps, d);
  }

  private static Path transformerPath(Path folder) {
    if (Files.isDirectory(folder.resolve("transformer"))) return folder.resolve("transformer");
    try (var files = Files.list(folder)) {
      return files.filter(p -> p.getFileName().toString().matches("flux1-.*\\.safetensors")).findFirst()
          .orElseThrow(() -> new DualprocException(folder + ": no transformer/ folder and no flux1-*.safetensors file"));
    } catch (java.io.IOException e) {
      throw new DualprocException(folder + ": cannot list (" + e.getMessage() + ")", e);
    }
  }

  private static Path aePath(Path folder) {
    if (Files.isDirectory(folder.resolve("vae"))) return folder.resolve("vae");
    if (Files.isRegularFile(folder.resolve(AutoEncoderFiles.BFL_FILE))) return folder.resolve(AutoEncoderFiles.BFL_FILE);
    throw new DualprocException(folder + ": no vae/ folder and no ae.safetensors");
  }

  @Override public String identity() { return folder.toAbsolutePath().normalize().toString(); }
  @Override public int width() { return width; }
  @Override public int height() { return height; }
  @Override public int steps() { return steps; }
  @Override public boolean oneStepFromNoise() { return oneStepFromNoise; }
  public FluxSampler sampler() { return sampler; }

  /** T5 hidden states (padded to the variant's length, no mask, as BFL's HFEmbedder) and CLIP's pooled output; cached. */
  @Override public Conditioning encode(String prompt) {
    Conditioning cached = conditioningCache.get(prompt);
    if (cached != null) return cached;
    if (text == null) throw new DualprocException("the text encoders were released; prompt '" + prompt + "' was not encoded before");
    Conditioning c;
    FluxTextEncoders.Embeddings e = text.encode(prompt, variant.t5MaxLength());
    c = FluxCond.of(transformer.placement().place(e.txt().detach()), transformer.placement().place(e.vec().detach())).toConditioning(prompt);
    // the cache outlives the caller's PointerScope, if any: keep the tensors from being freed when it closes
    for (Tensor t : c.tensors().values()) t.retainReference();
    conditioningCache.put(prompt, c);
    return c;
  }

  /** A prompt's conditioning without the cache (for training loops that see many prompts once); needs the text encoders. */
  public FluxCond condition(String prompt) {
    if (text == null) throw new DualprocException("the text encoders were released; cannot encode '" + prompt + "'");
    FluxTextEncoders.Embeddings e = text.encode(prompt, variant.t5MaxLength());
    return FluxCond.of(transformer.placement().place(e.txt().detach()), transformer.placement().place(e.vec().detach()));
  }

  /** Frees T5 and CLIP (T5-XXL is ~9.5 GB in bf16); prompts encoded before stay available from the cache. */
  public void releaseTextEncoders() {
    if (guidanceScale != 1 && text != null) encode(""); // guidance keeps needing the empty prompt
    if (text != null) text.close();
    text = null;
  }

  @Override public Tensor noise(long seed) {
    int f = ae.params.downFactor();
    return transformer.placement().place(Rng.normal(seed, 1, ae.params.zChannels(), height / f, width / f));
  }

  @Override public Tensor rollout(Tensor noise, Conditioning c, int stepIndex) { return sampler.rollout(noise, FluxCond.from(c), stepIndex); }

  @Override public Tensor x0Image(Tensor zt, Conditioning c, int stepIndex) { return decode(x0Latent(zt, c, stepIndex)); }

  @Override public Tensor x0Latent(Tensor zt, Conditioning c, int stepIndex) { return sampler.oneStep(zt, stepIndex, FluxCond.from(c)); }

  @Override public Tensor decode(Tensor latent) { return ae.decode(latent); }

  @Override public Tensor denoised(Tensor latent, Tensor noise, int stepIndex, Conditioning c) {
    double t = sampler.sigma(stepIndex);
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor z = latent.detach().mul(Tensors.scalar(1 - t)).add(transformer.placement().place(noise).mul(Tensors.scalar(t)));
      return sampler.oneStep(z, stepIndex, FluxCond.from(c));
    }
  }

  /** Classifier-free guidance of {@link #generate} (1 = none; the folder's dualproc.guidance_scale by default). */
  public double guidanceScale() { return guidanceScale; }

  public void setGuidanceScale(double scale) {
    if (!(scale >= 1)) throw new DualprocException("guidance scale: expected a number >= 1 (1 = no guidance), got " + scale);
    if (scale != 1 && !conditioningCache.containsKey("") && text == null)
      throw new DualprocException("guidance needs the empty prompt's conditioning; set it before releasing the text encoders");
    if (scale != 1) encode(""); // cached now, so releasing the encoders later keeps guidance working
    guidanceScale = scale;
  }

  @Override public Tensor generate(Conditioning c, long seed) {
    if (guidanceScale != 1) encode("");
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor latent = guidanceScale == 1 ? sampler.sample(noise(seed), FluxCond.from(c))
          : sampler.sampleGuided(noise(seed), FluxCond.from(c), FluxCond.from(encode("")), guidanceScale);
      return ae.decode(latent).clamp(new ScalarOptional(Tensors.scalar(-1)), new ScalarOptional(Tensors.scalar(1)));
    }
  }

  @Override public LoraSet attachLora(int rank, double alpha, long initSeed) {
    if (!lora.isEmpty()) throw new DualprocException("a LoRA is already attached (rank " + lora.rank + ")");
    lora = FluxLora.attach(transformer, rank, alpha, initSeed);
    return lora;
  }

  @Override public Map<String, String> loraModules() { return FluxLora.modules(transformer.params); }

  @Override public Map<String, List<String>> loraGroups() { return FluxLora.groups(transformer.params); }

  @Override public LoraSet attachLora(List<String> modules, int rank, double alpha, long initSeed) {
    if (!lora.isEmpty()) throw new DualprocException("a LoRA is already attached (rank " + lora.rank + ")");
    lora = FluxLora.attach(transformer, modules, rank, alpha, initSeed);
    return lora;
  }

  /** Attaches the adapters of a PEFT/diffusers, kohya or BFL-named LoRA file at {@code weight}; refuses one that matches nothing. */
  @Override public LoraSet loadLora(Path file, double weight) {
    if (!lora.isEmpty()) throw new DualprocException("a LoRA is already attached; load " + file + " into a fresh pipeline");
    lora = FluxLoraFiles.load(file, transformer, weight).lora();
    return lora;
  }

  @Override public LoraSet lora() { return lora; }

  @Override public dev.dualproc.distill.LoraFile loraFile() { return new FluxLoraFile(transformer); }

  @Override public void close() {
    for (Conditioning c : conditioningCache.values()) for (Tensor t : c.tensors().values()) t.releaseReference();
    conditioningCache.clear();
    releaseTextEncoders();
  }
}
