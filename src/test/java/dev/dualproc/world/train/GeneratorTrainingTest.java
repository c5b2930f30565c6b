package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.distill.Conditioning;
import dev.dualproc.distill.Generators;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.text.TextTokenizer;
import dev.dualproc.world.BuiltinModels;
import dev.dualproc.world.Captions;
import dev.dualproc.world.LayoutCode;
import dev.dualproc.world.SceneRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in generator's trainer on the micro config: export, resume, tokenizers, the "world" reference. */
class GeneratorTrainingTest {
  @TempDir Path tmp;

  static GeneratorTraining.Options micro(Path state, long steps, Path out, int evalCount) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, out, evalCount, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN);
  }

  @Test void aThreeStepRunWritesAPipelineThatFluxPipelineOpensAndSamples() throws Exception {
    Path out = tmp.resolve("generator");
    GeneratorTraining.Summary s = GeneratorTraining.run(micro(tmp.resolve("state"), 3, out, 2));
    assertThat(s.aeStep()).isEqualTo(1);
    assertThat(s.step()).isEqualTo(2);
    assertThat(s.eval()).isNotNull();
    for (String f : new String[] {"model_index.json", "MODEL_CARD.md", "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
        "vae/config.json", "text_encoder/model.safetensors", "text_encoder_2/model.safetensors", "tokenizer/tokenizer.json", "tokenizer_2/tokenizer.json"})
      assertThat(out.resolve(f)).as(f).isRegularFile();
    assertThat(Files.readString(out.resolve("model_index.json"))).contains("\"dualproc\"").contains("\"one_step_teaching\" : false");
    try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
      assertThat(f.dtype("x_embedder.weight").name()).isEqualTo("BF16");
    }
    assertThat(Files.readString(out.resolve("MODEL_CARD.md"))).contains("transformer steps 2").contains("--config micro --seed 5");
    try (FluxPipeline p = FluxPipeline.open(out, Placement.cpu(), 0, 0, 0)) {
      assertThat(p.width()).isEqualTo(32);
      assertThat(p.steps()).isEqualTo(GeneratorConfig.micro().sampleSteps());
      assertThat(p.oneStepFromNoise()).isFalse();
      Conditioning c = p.encode("a red house at sunset");
      Tensor a = p.generate(c, 1), b = p.generate(c, 1);
      assertThat(Tensors.shape(a)).containsExactly(1, 3, 32, 32);
      assertThat(Tensors.maxAbsDiff(a, b)).isZero();
      assertThat(Tensors.item(a.isfinite().all())).isEqualTo(1.0);
    }
    assertThat(Files.readString(tmp.resolve("state/train.log"))).contains("flow 2 loss");
    // a fresh state warm-started from the export carries its weights, latent scale and step count on
    GeneratorTrainer w = GeneratorTrainer.open(tmp.resolve("warm"), GeneratorConfig.micro(), 5, Placement.cpu());
    w.warmStartFrom(out);
    assertThat(w.step()).isEqualTo(2);
    assertThat(w.seconds()).as("training time carries over").isEqualTo((double) Math.round(s.seconds()));
    assertThat(w.latentScaleFitted()).isTrue();
    try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
      assertThat(Tensors.maxAbsDiff(w.ema.get("transformer.img_in.weight"), f.load("x_embedder.weight"))).isZero();
    }
    assertThat(w.trainStep().phase()).isEqualTo("flow");
    assertThatThrownBy(() -> w.warmStartFrom(out)).hasMessageContaining("fresh state");
    Path picture = tmp.resolve("state/samples/ckpt-000000003.png");
    assertThat(Images.read(picture).getWidth()).isEqualTo(GeneratorSamples.COUNT * 34 - 2);
    assertThat(Images.readPngText(picture).get("what")).contains("EMA generations");
  }

  @Test void aDeeperConfigGrowsFromAnExportAndStartsAsTheSameFunction() throws Exception {
    Path out = tmp.resolve("generator");
    GeneratorTraining.run(micro(tmp.resolve("state"), 3, out, 0));
    GeneratorTrainer g = GeneratorTrainer.open(tmp.resolve("grown"), GeneratorConfig.microDeep(), 5, Placement.cpu());
    g.warmStartFrom(out);
    assertThat(g.model.tensors()).containsKey("transformer.double_blocks.1.img_mod.lin.weight").containsKey("transformer.single_blocks.1.linear2.weight");
    assertThat(Files.readString(tmp.resolve("grown/train.log"))).contains("grown from 1 + 1 to 2 + 2 blocks");
    Path grownOut = tmp.resolve("grown-export");
    GeneratorExport.write(g, grownOut, 1.0);
    try (FluxPipeline a = FluxPipeline.open(out, Placement.cpu(), 0, 0, 0); FluxPipeline b = FluxPipeline.open(grownOut, Placement.cpu(), 0, 0, 0)) {
      assertThat(b.transformer.params.depth()).isEqualTo(2);
      Tensor x = a.generate(a.encode("a red house at sunset"), 7), y = b.generate(b.encode("a red house at sunset"), 7);
      assertThat(Tensors.maxAbsDiff(x, y)).as("the new blocks pass their input through").isZero();
    }
    GeneratorTrainer shallow = GeneratorTrainer.open(tmp.resolve("shallow"), GeneratorConfig.micro(), 5, Placement.cpu());
    assertThatThrownBy(() -> shallow.warmStartFrom(grownOut)).hasMessageContaining("2 double and 2 single blocks, more than config micro's 1 and 1");
    assertThat(g.trainStep().phase()).isEqualTo("flow");
  }

  @Test void transformerFromTakesTheTransformerAndTextEncodersButNotTheAutoencoder() throws Exception {
    Path out = tmp.resolve("generator");
    GeneratorTraining.run(micro(tmp.resolve("state"), 3, out, 0));
    Path state = tmp.resolve("new-ae");
    GeneratorTraining.run(new GeneratorTraining.Options(state, GeneratorConfig.micro(), 6, Placement.cpu(), 1, 0, null, 0, 1.0, 0,
        new AtomicBoolean(), null, 0, Double.NaN, out, false, 0, null, 0, 0, false, 0, false));
    GeneratorTrainer t = GeneratorTrainer.open(state, GeneratorConfig.micro(), 6, Placement.cpu()); // resumes: transformer_from is kept
    GeneratorTrainer own = GeneratorTrainer.open(tmp.resolve("own"), GeneratorConfig.micro(), 6, Placement.cpu());
    try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve("transformer/diffusion_pytorch_model.safetensors"));
         SafeTensorsFile c = SafeTensorsFile.open(out.resolve("text_encoder/model.safetensors"))) {
      assertThat(Tensors.maxAbsDiff(t.model.tensors().get("transformer.img_in.weight"), f.load("x_embedder.weight"))).isZero();
      assertThat(Tensors.maxAbsDiff(t.ema.get("transformer.img_in.weight"), f.load("x_embedder.weight"))).isZero();
      String clipKey = c.names().iterator().next();
      assertThat(Tensors.maxAbsDiff(t.model.tensors().get("text_encoder." + clipKey), c.load(clipKey))).isZero();
    }
    // its autoencoder is its own (seed 6, one step), not the export's
    assertThat(t.aeStep()).isEqualTo(1);
    String aeKey = t.aeParams.tensors().keySet().iterator().next();
    assertThat(Tensors.maxAbsDiff(t.aeParams.tensors().get(aeKey), own.aeParams.tensors().get(aeKey))).isPositive();
    assertThat(Files.readString(latest(state).resolve("trainer.json"))).contains("\"transformer_from\" : \"" + out);
    assertThat(t.trainStep().phase()).isEqualTo("flow");
    assertThatThrownBy(() -> t.transformerFrom(out)).hasMessageContaining("has not trained yet");
    assertThatThrownBy(() -> new GeneratorTraining.Options(state, GeneratorConfig.micro(), 6, Placement.cpu(), 1, 0, null, 0, 1.0, 0,
        new AtomicBoolean(), out, 0, Double.NaN, out, false, 0, null, 0, 0, false, 0, false)).hasMessageContaining("give one");
    Path card = tmp.resolve("card-export");
    GeneratorTraining.run(new GeneratorTraining.Options(state, GeneratorConfig.micro(), 6, Placement.cpu(), 1, 0, card, 0, 1.0, 0,
        new AtomicBoolean(), null, 0, Double.NaN));
    assertThat(Files.readString(card.resolve("MODEL_CARD.md"))).contains("transformer and text encoders started from " + out);
  }

  @Test void theRobustAutoencoderLossChangesTheAutoencoderAndResumesExactly() throws Exception {
    Path plain = tmp.resolve("plain"), whole = tmp.resolve("whole"), split = tmp.resolve("split");
    GeneratorConfig robust = GeneratorConfig.microRobust(), plainCfg = new GeneratorConfig(robust.name(), robust.size(), robust.ae(),
        robust.fluxShape(), robust.t5(), robust.clip(), robust.t5MaxLength(), robust.clipMaxLength(), robust.aeSteps(), robust.aeBatch(),
        robust.aeLr(), robust.aeKlWeight(), robust.latentStatImages(), robust.batch(), robust.lr(), robust.warmup(), robust.weightDecay(),
        robust.emaDecay(), robust.captionDropout(), robust.gradClip(), robust.sampleSteps(), GeneratorConfig.AeLoss.PLAIN);
    GeneratorTraining.run(new GeneratorTraining.Options(plain, plainCfg, 5, Placement.cpu(), 2, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN));
    GeneratorTraining.run(new GeneratorTraining.Options(whole, robust, 5, Placement.cpu(), 2, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN));
    GeneratorTraining.run(new GeneratorTraining.Options(split, robust, 5, Placement.cpu(), 1, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN));
    GeneratorTraining.run(new GeneratorTraining.Options(split, robust, 5, Placement.cpu(), 1, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN));
    try (SafeTensorsFile p = SafeTensorsFile.open(latest(plain).resolve("ae.safetensors"));
         SafeTensorsFile w = SafeTensorsFile.open(latest(whole).resolve("ae.safetensors"));
         SafeTensorsFile s = SafeTensorsFile.open(latest(split).resolve("ae.safetensors"))) {
      String k = "decoder.conv_out.weight";
      assertThat(Tensors.maxAbsDiff(p.load(k), w.load(k))).as("the loss changes the autoencoder's steps").isPositive();
      for (String n : w.names()) assertThat(Tensors.bytes(s.load(n))).as(n).isEqualTo(Tensors.bytes(w.load(n)));
    }
    assertThat(robust.toJson().toString()).contains("\"ae_loss\"").contains("\"latentBlur\":0.6");
    assertThat(plainCfg.toJson().has("ae_loss")).isFalse();
  }

  @Test void objectPixelsGetTheAutoencodersExtraWeight() {
    SceneRenderer.Rendered r = SceneRenderer.render(42, 64, 64);
    var o = r.truth().objects().getFirst();
    float[] w = Tensors.floats(GeneratorTrainer.pixelObjectWeights(List.of(r.truth().objects()), 64, 4));
    assertThat(w[o.y0() * 64 + o.x0()]).isEqualTo(5f);
    assertThat(w[(o.y0() - 1) * 64 + o.x0()]).as("the box grown by a pixel: its outline").isEqualTo(5f);
    int far = java.util.stream.IntStream.range(0, 64 * 64).filter(i -> w[i] == 1f).findFirst().orElseThrow();
    assertThat(w[far]).isEqualTo(1f);
  }

  @Test void duringTheAutoencoderPhaseTheProgressPictureShowsReconstructions() {
    GeneratorTraining.run(micro(tmp.resolve("ae"), 1, null, 0));
    assertThat(Images.readPngText(tmp.resolve("ae/samples/ckpt-000000001.png")).get("what")).contains("reconstructions");
  }

  @Test void aRunStoppedAndResumedEndsBitIdenticalToAnUninterruptedOne() throws Exception {
    Path whole = tmp.resolve("whole"), split = tmp.resolve("split");
    GeneratorTraining.run(micro(whole, 4, null, 0));
    GeneratorTraining.run(micro(split, 2, null, 0)); // crosses the autoencoder/transformer boundary and the latent fit
    GeneratorTraining.Summary s = GeneratorTraining.run(micro(split, 2, null, 0));
    assertThat(s.step()).isEqualTo(3);
    Path a = latest(whole), b = latest(split);
    assertThat(b.getFileName()).isEqualTo(a.getFileName());
    for (String file : new String[] {"ae.safetensors", "model.safetensors", "ema.safetensors", "adam.safetensors"}) {
      try (SafeTensorsFile x = SafeTensorsFile.open(a.resolve(file)); SafeTensorsFile y = SafeTensorsFile.open(b.resolve(file))) {
        assertThat(y.names()).as(file).containsExactlyInAnyOrderElementsOf(x.names());
        for (String n : x.names()) assertThat(Tensors.bytes(y.load(n))).as(file + " " + n).isEqualTo(Tensors.bytes(x.load(n)));
      }
    }
    String ja = Files.readString(a.resolve("trainer.json")), jb = Files.readString(b.resolve("trainer.json"));
    assertThat(jb.replaceAll("\"(saved|seconds)\" : [^,\\n]*", "")).isEqualTo(ja.replaceAll("\"(saved|seconds)\" : [^,\\n]*", ""));
    // a different config on the same state is refused, not silently mixed
    assertThatThrownBy(() -> GeneratorTraining.run(new GeneratorTraining.Options(split, GeneratorConfig.small(), 5, Placement.cpu(), 1, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN)))
        .isInstanceOf(DualprocException.class).hasMessageContaining("config");
  }

  @Test void theObjectWeightChangesTheStepsResumesExactlyAndIsFixedPerState() throws Exception {
    Path plain = tmp.resolve("plain"), whole = tmp.resolve("whole"), split = tmp.resolve("split");
    GeneratorTraining.run(micro(plain, 3, null, 0));
    GeneratorTraining.run(weighted(whole, 3, 4));
    GeneratorTraining.run(weighted(split, 2, 4));
    GeneratorTraining.run(weighted(split, 1, 4));
    try (SafeTensorsFile p = SafeTensorsFile.open(latest(plain).resolve("model.safetensors"));
         SafeTensorsFile w = SafeTensorsFile.open(latest(whole).resolve("model.safetensors"));
         SafeTensorsFile s = SafeTensorsFile.open(latest(split).resolve("model.safetensors"))) {
      String k = "transformer.final_layer.linear.weight";
      assertThat(Tensors.maxAbsDiff(p.load(k), w.load(k))).as("the weight changes the flow steps").isPositive();
      for (String n : w.names()) assertThat(Tensors.bytes(s.load(n))).as(n).isEqualTo(Tensors.bytes(w.load(n)));
    }
    assertThat(Files.readString(latest(whole).resolve("trainer.json"))).contains("\"object_weight\" : 4.0");
    assertThatThrownBy(() -> GeneratorTraining.run(weighted(split, 1, 2))).hasMessageContaining("--object-weight 4.0, not 2.0");
    assertThatThrownBy(() -> GeneratorTraining.run(weighted(plain, 1, 1)))
        .hasMessageContaining("--object-weight 0.0, not 1.0");
    assertThatThrownBy(() -> GeneratorTraining.run(weighted(tmp.resolve("neg"), 1, -1))).hasMessageContaining("--object-weight: expected a number >= 0");
  }

  @Test void theLrOverrideChangesTheStepsIsRecordedAndIsFixedPerState() throws Exception {
    Path plain = tmp.resolve("lr-plain"), fast = tmp.resolve("lr-fast");
    GeneratorTraining.run(micro(plain, 3, null, 0));
    GeneratorTraining.run(withLr(fast, 3, 1e-2));
    try (SafeTensorsFile p = SafeTensorsFile.open(latest(plain).resolve("model.safetensors"));
         SafeTensorsFile f = SafeTensorsFile.open(latest(fast).resolve("model.safetensors"))) {
      String k = "transformer.final_layer.linear.weight";
      assertThat(Tensors.maxAbsDiff(p.load(k), f.load(k))).as("the learning rate changes the flow steps").isPositive();
    }
    assertThat(Files.readString(latest(fast).resolve("trainer.json"))).contains("\"lr\" : 0.01");
    GeneratorTraining.run(withLr(fast, 1, Double.NaN)); // resuming without --lr keeps the state's
    assertThat(Files.readString(fast.resolve("train.log"))).contains("lr 0.0100 at");
    assertThatThrownBy(() -> GeneratorTraining.run(withLr(fast, 1, 1e-3))).hasMessageContaining("--lr 0.01, not 0.001");
    assertThatThrownBy(() -> GeneratorTraining.run(withLr(tmp.resolve("lr-neg"), 1, -1))).hasMessageContaining("--lr: expected a number > 0");
  }

  static GeneratorTraining.Options withLr(Path state, long steps, double lr) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, lr);
  }

  /** bf16 autocast changes the transformer's numerics a little (not its loss's scale), is recorded, and is fixed per state. */
  @Test void bf16AutocastTrainsCloseToFp32IsRecordedAndIsFixedPerState() throws Exception {
    GeneratorTrainer fp32 = GeneratorTrainer.open(tmp.resolve("fp32"), GeneratorConfig.micro(), 5, Placement.cpu());
    GeneratorTrainer bf16 = GeneratorTrainer.open(tmp.resolve("bf16"), GeneratorConfig.micro(), 5, Placement.cpu());
    bf16.setBf16(true);
    GeneratorTrainer.StepResult a = null, b = null;
    while (a == null || !a.phase().equals("flow")) { a = fp32.trainStep(); b = bf16.trainStep(); }
    assertThat(b.phase()).isEqualTo("flow");
    assertThat(b.loss()).isCloseTo(a.loss(), org.assertj.core.data.Percentage.withPercentage(3));
    String k = "transformer.final_layer.linear.weight";
    assertThat(Tensors.maxAbsDiff(fp32.model.tensors().get(k), bf16.model.tensors().get(k))).as("autocast changes the step").isPositive();
    assertThat(bf16.model.tensors().get(k).scalar_type().intern()).isEqualTo(org.bytedeco.pytorch.global.torch.ScalarType.Float);
    Path state = tmp.resolve("bf16-run");
    GeneratorTraining.run(withBf16(state, 3, true));
    assertThat(Files.readString(latest(state).resolve("trainer.json"))).contains("\"bf16\" : true");
    assertThat(Files.readString(state.resolve("train.log"))).contains(" bf16 at ");
    assertThatThrownBy(() -> GeneratorTraining.run(withBf16(state, 1, false))).hasMessageContaining("trained with --bf16");
  }

  static GeneratorTraining.Options withBf16(Path state, long steps, boolean bf16) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN, null, bf16, 0, null, 0, 0, false, 0, false);
  }

  /** REPA adds a trained projector to the state (not to the export), changes the steps, resumes exactly and is fixed per state. */
  @Test void repaAlignsToTheCriticsTowerResumesExactlyAndStaysOutOfTheExport() throws Exception {
    Path plain = tmp.resolve("repa-plain"), a = tmp.resolve("repa-a"), b = tmp.resolve("repa-b"), out = tmp.resolve("repa-out");
    assertActsAndResumesExactly(plain, a, b, out, (state, steps, o) -> withRepa(state, steps, 0.5, o), "model.safetensors", "repa.safetensors");
    try (SafeTensorsFile rx = SafeTensorsFile.open(latest(a).resolve("repa.safetensors"))) {
      assertThat(rx.names()).contains("proj.0.weight", "proj.2.bias");
    }
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"repa_weight\" : 0.5").contains("\"repa_encoder\" : \"models/world/vlm\"");
    try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
      assertThat(f.names()).noneMatch(n -> n.startsWith("proj.") || n.startsWith("repa"));
    }
    assertThatThrownBy(() -> GeneratorTraining.run(withRepa(a, 1, 0, null))).hasMessageContaining("--repa 0.5, not 0.0");
    assertThatThrownBy(() -> GeneratorTraining.run(new GeneratorTraining.Options(tmp.resolve("repa-none"), GeneratorConfig.micro(), 5, Placement.cpu(), 1, 0,
        null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN, null, false, 0.5, tmp.resolve("no-critic"), 0, 0, false, 0, false))).hasMessageContaining("no-critic");
  }

  /** One chunk of a state trained with the option under test: state, steps, export folder (or null). */
  interface Chunk { GeneratorTraining.Options of(Path state, long steps, Path out); }

  /**
   * Trains {@code plain} (no option) and {@code a} (with it, exported to {@code out}) 3 steps, and {@code b} with it in
   * chunks of 2 and 1. The option acts: {@code a} took other steps than {@code plain} (the transformer's input layer
   * differs); and it resumes: {@code b} ends bit for bit as {@code a} in each of {@code files}.
   */
  static void assertActsAndResumesExactly(Path plain, Path a, Path b, Path out, Chunk chunk, String... files) throws Exception {
    GeneratorTraining.run(micro(plain, 3, null, 0));
    GeneratorTraining.run(chunk.of(a, 3, out));
    GeneratorTraining.run(chunk.of(b, 2, null));
    GeneratorTraining.run(chunk.of(b, 1, null));
    String k = "transformer.img_in.weight";
    try (SafeTensorsFile p = SafeTensorsFile.open(latest(plain).resolve("model.safetensors"));
         SafeTensorsFile x = SafeTensorsFile.open(latest(a).resolve("model.safetensors"))) {
      assertThat(Tensors.maxAbsDiff(p.load(k), x.load(k))).as("the option changes the transformer's steps").isPositive();
    }
    for (String file : files)
      try (SafeTensorsFile x = SafeTensorsFile.open(latest(a).resolve(file)); SafeTensorsFile y = SafeTensorsFile.open(latest(b).resolve(file))) {
        for (String n : x.names()) assertThat(Tensors.maxAbsDiff(x.load(n), y.load(n))).as(file + ": " + n).isZero();
      }
  }

  static GeneratorTraining.Options withRepa(Path state, long steps, double repa, Path out) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, out, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, repa, dev.dualproc.world.critic.WorldCritic.folder(), 0, 0, false, 0, false);
  }

  /** The scene-map head trains in the state (not the export), changes the steps, resumes exactly and is fixed per state. */
  @Test void sceneMapHeadResumesExactlyAndStaysOutOfTheExport() throws Exception {
    Path plain = tmp.resolve("map-plain"), a = tmp.resolve("map-a"), b = tmp.resolve("map-b"), out = tmp.resolve("map-out");
    assertActsAndResumesExactly(plain, a, b, out, (state, steps, o) -> withSceneMap(state, steps, 0.2, o), "model.safetensors", "scene_map.safetensors");
    try (SafeTensorsFile hx = SafeTensorsFile.open(latest(a).resolve("scene_map.safetensors"))) {
      assertThat(hx.names()).containsExactlyInAnyOrder("head.weight", "head.bias");
    }
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"scene_map_weight\" : 0.2");
    assertThat(Files.readString(a.resolve("train.log"))).contains(" scene map 0.2 at ").containsPattern("flow 2 loss .* map \\d");
    assertThat(Files.readString(out.resolve("MODEL_CARD.md"))).contains("`--scene-map 0.2`");
    try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve("transformer/diffusion_pytorch_model.safetensors"))) {
      assertThat(f.names()).noneMatch(n -> n.startsWith("head."));
    }
    assertThatThrownBy(() -> GeneratorTraining.run(withSceneMap(a, 1, 0, null))).hasMessageContaining("--scene-map 0.2, not 0.0");
    assertThatThrownBy(() -> GeneratorTraining.run(withSceneMap(tmp.resolve("map-bad"), 1, -1, null))).hasMessageContaining("--scene-map: expected a number >= 0");
  }

  static GeneratorTraining.Options withSceneMap(Path state, long steps, double weight, Path out) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, out, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, weight, 0, false, 0, false);
  }

  /** The blob refinement changes the steps, resumes exactly and is fixed per state; its target leads from x_t to the real scene. */
  @Test void blobFractionResumesExactlyAndAimsAtTheRealScene() throws Exception {
    Path plain = tmp.resolve("blob-plain"), a = tmp.resolve("blob-a"), b = tmp.resolve("blob-b");
    assertActsAndResumesExactly(plain, a, b, null, (state, steps, o) -> withBlobs(state, steps, 0.5), "model.safetensors");
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"blob_fraction\" : 0.5");
    assertThat(Files.readString(a.resolve("train.log"))).contains(" blob fraction 0.5 at ");
    assertThatThrownBy(() -> GeneratorTraining.run(withBlobs(a, 1, 0))).hasMessageContaining("--blob-fraction 0.5, not 0.0");
    assertThatThrownBy(() -> GeneratorTraining.run(withBlobs(tmp.resolve("blob-bad"), 1, 1.5))).hasMessageContaining("--blob-fraction: expected a share in [0, 1]");
    // x_t - t v = x0 for the target v, whatever x_t was noised from
    Tensor x0 = dev.dualproc.engine.Rng.normal(1, 2, 4, 4, 4), source = dev.dualproc.engine.Rng.normal(2, 2, 4, 4, 4), noise = dev.dualproc.engine.Rng.normal(3, 2, 4, 4, 4);
    Tensor t = Tensors.fromFloats(new float[] {0.25f, 0.7f}, 2, 1, 1, 1);
    Tensor xt = source.add(noise.sub(source).mul(t));
    assertThat(Tensors.maxAbsDiff(xt.sub(GeneratorTrainer.velocityTarget(x0, source, noise, t).mul(t)), x0)).isLessThan(1e-5);
    assertThat(Tensors.maxAbsDiff(GeneratorTrainer.velocityTarget(x0, x0, noise, t), noise.sub(x0))).isZero();
    // the plan's blobbed share and times
    Blobs.Plan plan = Blobs.plan(7, 4000, 0.25);
    assertThat(plan.count()).isBetween(900, 1100);
    for (int i = 0; i < 4000; i++)
      if (plan.blobbed()[i]) assertThat(plan.times()[i]).isBetween(0.25f, 0.75f);
  }

  static GeneratorTraining.Options withBlobs(Path state, long steps, double fraction) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, 0, fraction, false, 0, false);
  }

  /** Layout from noise changes the steps, resumes exactly and is fixed per state; each scene follows its noise's code. */
  @Test void layoutFromNoiseResumesExactlyAndLaysScenesOutByTheirNoise() throws Exception {
    Path plain = tmp.resolve("code-plain"), a = tmp.resolve("code-a"), b = tmp.resolve("code-b");
    assertActsAndResumesExactly(plain, a, b, null, (state, steps, o) -> withLayoutFromNoise(state, steps, true), "model.safetensors");
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"layout_from_noise\" : true");
    assertThat(Files.readString(a.resolve("train.log"))).contains(" layout from noise at ");
    assertThatThrownBy(() -> GeneratorTraining.run(withLayoutFromNoise(a, 1, false))).hasMessageContaining("trained with --layout-from-noise");
    // a scene's horizon is the one its noise's code names, whatever its seed
    GeneratorTrainer t = GeneratorTrainer.open(tmp.resolve("code-shape"), GeneratorConfig.micro(), 5, Placement.cpu());
    Tensor noise = dev.dualproc.engine.Rng.normal(9, t.latentShape(2));
    LayoutCode[] codes = GeneratorTrainer.layoutCodes(noise, false);
    float[] first = Tensors.floats(noise.narrow(0, 0, 1));
    assertThat(codes[0]).isEqualTo(LayoutCode.fromNoise(first, (int) noise.size(1), (int) noise.size(2), (int) noise.size(3)));
    java.util.List<SceneRenderer.Rendered> rendered = new java.util.ArrayList<>();
    t.scenes(100, 2, null, rendered, codes);
    for (int i = 0; i < 2; i++)
      assertThat(rendered.get(i).truth().horizonRow()).isEqualTo(rendered.get(i).truth().height() * (0.2 + 0.6 * codes[i].at(LayoutCode.HORIZON)));
  }

  /** --high-t moves its share of each batch to t in [0.9, 1), changes the steps, resumes exactly and is fixed per state. */
  @Test void highTMovesItsShareToTheEndOfTheSchedule() throws Exception {
    Path plain = tmp.resolve("hight-plain"), a = tmp.resolve("hight-a"), b = tmp.resolve("hight-b");
    assertActsAndResumesExactly(plain, a, b, null, (state, steps, o) -> withHighT(state, steps, 0.5), "model.safetensors");
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"high_t\" : 0.5");
    assertThatThrownBy(() -> GeneratorTraining.run(withHighT(a, 1, 0))).hasMessageContaining("--high-t 0.5, not 0.0");
    float[] before = new float[4000];
    java.util.Arrays.fill(before, 0.3f);
    float[] after = Tensors.floats(GeneratorTrainer.withHighT(Tensors.fromFloats(before, 4000), 7, 0.25));
    int moved = 0;
    for (float x : after) {
      if (x != 0.3f) { moved++; assertThat(x).isBetween(0.9f, 1.0f); }
    }
    assertThat(moved).isBetween(900, 1100);
  }

  static GeneratorTraining.Options withHighT(Path state, long steps, double fraction) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, 0, 0, false, fraction, false);
  }

  static GeneratorTraining.Options withLayoutFromNoise(Path state, long steps, boolean on) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, 0, 0, on, 0, false);
  }

  static GeneratorTraining.Options withLocalObjectCodes(Path state, long steps, boolean on) {
    return new GeneratorTraining.Options(state, GeneratorConfig.microLatent8(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, 0, 0, true, 0, on);
  }

  /** Local object codes change the steps, resume exactly, need --layout-from-noise and are fixed per state. */
  @Test void localObjectCodesResumeExactlyAndAreFixedPerState() throws Exception {
    Path global = tmp.resolve("local-global"), a = tmp.resolve("local-a"), b = tmp.resolve("local-b");
    GeneratorTraining.run(withLocalObjectCodes(global, 3, false)); // layout from noise with the global object codes
    GeneratorTraining.run(withLocalObjectCodes(a, 3, true));
    GeneratorTraining.run(withLocalObjectCodes(b, 2, true));
    GeneratorTraining.run(withLocalObjectCodes(b, 1, true));
    try (SafeTensorsFile p = SafeTensorsFile.open(latest(global).resolve("model.safetensors")); SafeTensorsFile x = SafeTensorsFile.open(latest(a).resolve("model.safetensors"));
         SafeTensorsFile y = SafeTensorsFile.open(latest(b).resolve("model.safetensors"))) {
      assertThat(Tensors.maxAbsDiff(p.load("transformer.img_in.weight"), x.load("transformer.img_in.weight"))).as("local codes change the steps").isPositive();
      for (String n : x.names()) assertThat(Tensors.maxAbsDiff(x.load(n), y.load(n))).as(n).isZero();
    }
    assertThatThrownBy(() -> GeneratorTraining.run(new GeneratorTraining.Options(tmp.resolve("local-micro"), GeneratorConfig.micro(), 5, Placement.cpu(), 1, 0,
        null, 0, 1.0, 0, new AtomicBoolean(), null, 0, Double.NaN, null, false, 0, null, 0, 0, true, 0, true))).hasMessageContaining("local object codes need 22");
    assertThat(Files.readString(latest(a).resolve("trainer.json"))).contains("\"object_codes\" : \"local\"");
    assertThat(Files.readString(a.resolve("train.log"))).contains(" local object codes ");
    assertThatThrownBy(() -> GeneratorTraining.run(withLocalObjectCodes(a, 1, false))).hasMessageContaining("trained with --local-object-codes");
    assertThatThrownBy(() -> new GeneratorTraining.Options(a, GeneratorConfig.micro(), 5, Placement.cpu(), 1, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, 0,
        Double.NaN, null, false, 0, null, 0, 0, false, 0, true)).hasMessageContaining("give --layout-from-noise too");
  }

  /** Each latent cell's label is what the renderer drew there, packed in the latent's token order (2x2 cells a token). */
  @Test void sceneMapLabelsFollowTheRenderersPixelsInTokenOrder() {
    SceneRenderer.Rendered r = SceneRenderer.render(11, 64, 64);
    dev.dualproc.world.SceneTruth truth = r.truth();
    Tensor[] labels = SceneMap.labels(java.util.List.of(truth), 64, 16);
    assertThat(Tensors.shape(labels[0])).containsExactly(1L, 64L, 4L);
    long[] things = Tensors.longs(labels[0].reshape(-1)), colours = Tensors.longs(labels[1].reshape(-1));
    long[][] grid = dev.dualproc.world.critic.PatchTargets.thingsAndColours(truth, 4);
    for (int cy = 0; cy < 16; cy++)
      for (int cx = 0; cx < 16; cx++) {
        int at = ((cy / 2) * 8 + cx / 2) * 4 + (cy % 2) * 2 + cx % 2; // token (row-major), then its cell (dy, dx)
        assertThat(things[at]).as("cell %d,%d", cy, cx).isEqualTo(grid[0][cy * 16 + cx]);
        assertThat(colours[at]).isEqualTo(grid[1][cy * 16 + cx]);
      }
    // a cell at the centre of the first object's painted box names its kind, sky above the horizon
    var o = truth.objects().get(0);
    int cy = ((o.y0() + o.y1()) / 2) / 4, cx = ((o.x0() + o.x1()) / 2) / 4;
    assertThat(grid[0][cy * 16 + cx]).isEqualTo(dev.dualproc.world.critic.PatchTargets.FIRST_KIND + o.kind().ordinal());
    assertThat(grid[0][0]).isIn((long) dev.dualproc.world.critic.PatchTargets.SKY, (long) dev.dualproc.world.critic.PatchTargets.LIGHT);
    assertThatThrownBy(() -> SceneMap.labels(java.util.List.of(truth), 64, 12)).hasMessageContaining("not a multiple");
  }

  @Test void objectCellsOfTheLatentGridGetTheExtraWeight() {
    GeneratorTrainer t = GeneratorTrainer.open(tmp.resolve("w"), GeneratorConfig.micro(), 5, Placement.cpu());
    SceneRenderer.Rendered r = SceneRenderer.render(11, 32, 32);
    dev.dualproc.world.SceneObject o = r.truth().objects().get(0);
    float[] w = Tensors.floats(t.latentObjectWeights(java.util.List.of(r.truth().objects()), 16, 4));
    int f = 2; // micro: 32 px over a 16-cell latent
    assertThat(w[(o.y0() / f) * 16 + o.x0() / f]).isEqualTo(5f);
    assertThat(w[((o.y1() - 1) / f) * 16 + (o.x1() - 1) / f]).isEqualTo(5f);
    int ones = 0;
    for (float x : w) if (x == 1f) ones++;
    assertThat(ones).as("sky and ground keep weight 1").isPositive();
  }

  static GeneratorTraining.Options weighted(Path state, long steps, double weight) {
    return new GeneratorTraining.Options(state, GeneratorConfig.micro(), 5, Placement.cpu(), steps, 0, null, 0, 1.0, 0, new AtomicBoolean(), null, weight, Double.NaN);
  }

  @Test void aStopRequestCheckpointsAtTheStepBoundary() throws Exception {
    AtomicBoolean stop = new AtomicBoolean(true);
    GeneratorTraining.Summary s = GeneratorTraining.run(new GeneratorTraining.Options(tmp.resolve("st"), GeneratorConfig.micro(), 5,
        Placement.cpu(), 10, 0, tmp.resolve("never"), 0, 1.0, 0, stop, null, 0, Double.NaN));
    assertThat(s.stoppedEarly()).isTrue();
    assertThat(s.aeStep() + s.step()).isZero();
    assertThat(tmp.resolve("st/latest")).isRegularFile();
    assertThat(tmp.resolve("never")).doesNotExist();
    assertThat(tmp.resolve("st/samples")).as("no picture while shutting down").doesNotExist();
  }

  @Test void theTokenizersHaveOneTokenForEveryCaptionWordAndFitEveryCaption() {
    GeneratorConfig cfg = GeneratorConfig.standard();
    GeneratorTokenizers.write(tmp.resolve("clip"), tmp.resolve("t5"), cfg);
    try (TextTokenizer t5 = TextTokenizer.load(tmp.resolve("t5")); TextTokenizer clip = TextTokenizer.load(tmp.resolve("clip"))) {
      long unk = t5.tokenId("<unk>");
      for (String w : Captions.VOCABULARY) {
        long[] t = t5.encode(w, 8, false);
        assertThat(t).as("T5 ids of '%s'", w).hasSize(2);
        assertThat(t[0]).as("T5 '%s' is a known piece", w).isNotEqualTo(unk);
        assertThat(t5.decode(t)).isEqualTo(w);
        long[] c = clip.encode(w, 8, false);
        assertThat(c).as("CLIP ids of '%s'", w).hasSize(3);
        assertThat(clip.decode(c)).isEqualTo(w);
      }
      for (long seed = 0; seed < 1000; seed++) {
        String caption = Captions.caption(SceneRenderer.render(seed).truth());
        assertThat(t5.encodeWithMask(caption, cfg.t5MaxLength(), true).truncated()).as(caption).isFalse();
        assertThat(clip.encodeWithMask(caption, cfg.clipMaxLength(), true).truncated()).as(caption).isFalse();
      }
    }
  }

  @Test void worldNamesTheBuiltInGeneratorAndSaysHowToTrainItWhenAbsent() {
    String before = System.getProperty(BuiltinModels.HOME_PROPERTY);
    System.setProperty(BuiltinModels.HOME_PROPERTY, tmp.toString());
    try {
      assertThatThrownBy(() -> Generators.open("world", Placement.cpu())).isInstanceOf(DualprocException.class)
          .hasMessageContaining("world train generator").hasMessageContaining(tmp.resolve("models/world/generator").toString());
    } finally {
      if (before == null) System.clearProperty(BuiltinModels.HOME_PROPERTY); else System.setProperty(BuiltinModels.HOME_PROPERTY, before);
    }
  }

  private static Path latest(Path state) throws Exception { return state.resolve(Files.readString(state.resolve("latest")).trim()); }
}
