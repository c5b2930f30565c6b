package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Fixtures;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BFL single file vs diffusers names: the mapping table, both directions, sharded folders, detection, errors. */
class FluxCheckpointTest {
  @TempDir Path tmp;

  @Test void diffusersFixtureGivesTheSameWeightsAndOutputsAsTheBflOne() {
    FluxParams p = FluxFixtures.params();
    Flux bfl = FluxFixtures.model();
    Flux diff;
    try (TensorSource d = FluxKeyMap.diffusers().asBfl(SafeTensorsFile.open(Fixtures.flux("tiny-flux-diffusers.safetensors")))) {
      diff = Flux.load(d, p, Placement.cpu());
    }
    assertThat(diff.loadReport().unmatched()).isEmpty();
    assertThat(diff.loadReport().matched()).hasSize(80);
    Map<String, Tensor> a = bfl.stateDict(), b = diff.stateDict();
    for (String k : a.keySet()) assertThat(Tensors.bytes(b.get(k))).as(k).isEqualTo(Tensors.bytes(a.get(k)));
    Map<String, Tensor> io = FluxFixtures.tensors("tiny-flux-io.safetensors");
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor o1 = bfl.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null);
      Tensor o2 = diff.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null);
      assertThat(Tensors.bytes(o2)).isEqualTo(Tensors.bytes(o1));
      FluxFixtures.assertClose("diffusers-named weights: out", o2, io.get("out"), FluxFixtures.TOLERANCE);
    }
  }

  @Test void bflToDiffusersReproducesTheDiffusersFixtureBitForBit() {
    Map<String, Tensor> bfl = FluxFixtures.tensors("tiny-flux.safetensors");
    Map<String, Tensor> expected = FluxFixtures.tensors("tiny-flux-diffusers.safetensors");
    Map<String, Tensor> got = FluxKeyMap.diffusers().toDiffusers(bfl, FluxFixtures.params());
    assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (var e : expected.entrySet()) assertThat(Tensors.bytes(got.get(e.getKey()))).as(e.getKey()).isEqualTo(Tensors.bytes(e.getValue()));
  }

  @Test void shardedDiffusersFolderAndPipelineFolderLoad() throws Exception {
    FluxParams p = FluxFixtures.params();
    Map<String, Tensor> bfl = FluxFixtures.tensors("tiny-flux.safetensors");
    Path pipeline = tmp.resolve("pipe");
    Files.createDirectories(pipeline);
    Files.writeString(pipeline.resolve("model_index.json"), "{\"_class_name\": \"FluxPipeline\"}");
    FluxCheckpoint.writeDiffusers(pipeline.resolve("transformer"), bfl, p, 400_000);
    try (var files = Files.list(pipeline.resolve("transformer"))) {
      assertThat(files.filter(f -> f.getFileName().toString().matches("diffusion_pytorch_model-\\d{5}-of-\\d{5}\\.safetensors")).count())
          .isGreaterThan(1);
    }
    assertThat(Files.exists(pipeline.resolve("transformer/diffusion_pytorch_model.safetensors.index.json"))).isTrue();
    assertThat(FluxCheckpoint.params(pipeline)).isEqualTo(p);
    Flux f = FluxCheckpoint.load(pipeline, Placement.cpu());
    assertThat(f.loadReport().unmatched()).isEmpty();
    for (var e : bfl.entrySet()) assertThat(Tensors.bytes(f.stateDict().get(e.getKey()))).as(e.getKey()).isEqualTo(Tensors.bytes(e.getValue()));
  }

  @Test void bflSingleFileIsDetectedAndItsParamsInferredForRealSizes() {
    // head_dim 128 (FLUX.1's), so the RoPE axes are known and everything else comes from the shapes
    FluxParams p = new FluxParams(8, 8, 6, 10, 256, 2.0, 2, 1, 1, new int[] {16, 56, 56}, 10_000, true, true);
    Map<String, Tensor> sd = FluxInit.randomWeights(p, 3);
    Path file = tmp.resolve("flux1-test.safetensors");
    FluxCheckpoint.writeBfl(file, sd, Map.of());
    assertThat(FluxCheckpoint.params(file)).isEqualTo(p);
    try (TensorSource s = FluxCheckpoint.open(file)) { assertThat(FluxCheckpoint.layout(s)).isEqualTo(FluxCheckpoint.Layout.BFL); }
    // FLUX.1's head_dim 128 and RoPE axes (16, 56, 56), with a guidance embedder: a dev-style step runs
    Flux f = FluxCheckpoint.load(file, Placement.cpu());
    FluxSampler sampler = FluxSampler.forModel(f, 3, 8, 12, 3.5);
    assertThat(sampler.timesteps()[1]).as("dev schedule is shifted").isGreaterThan(2f / 3);
    FluxCond c = FluxCond.of(dev.dualproc.engine.Rng.normal(1, 1, 5, 10), dev.dualproc.engine.Rng.normal(2, 1, 6));
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor latent = sampler.sample(FluxSampler.noise(3, 1, 2, 8, 12), c);
      assertThat(Tensors.shape(latent)).containsExactly(1, 2, 8, 12);
      assertThat(Tensors.item(latent.isfinite().all().to(org.bytedeco.pytorch.global.torch.ScalarType.Double))).isEqualTo(1.0);
    }
  }

  @Test void theShapeTableMatchesTheFixtureAndTheLoader() {
    Map<String, Tensor> bfl = FluxFixtures.tensors("tiny-flux.safetensors");
    Map<String, long[]> shapes = FluxInit.shapes(FluxFixtures.params());
    assertThat(shapes.keySet()).containsExactlyElementsOf(bfl.keySet());
    shapes.forEach((k, s) -> assertThat(s).as(k).isEqualTo(Tensors.shape(bfl.get(k))));
    FluxParams tinyDev = new FluxParams(16, 16, 32, 48, 60, 4.0, 3, 1, 1, new int[] {4, 8, 8}, 10_000, true, true);
    Flux dev = Flux.load(TensorSources.of("random", FluxInit.randomWeights(tinyDev, 1)), tinyDev, Placement.cpu());
    assertThat(dev.loadReport().unmatched()).isEmpty();
  }

  @Test void missingAndMisShapedTensorsFailWithTheKey() {
    FluxParams p = FluxFixtures.params();
    Map<String, Tensor> bfl = new LinkedHashMap<>(FluxFixtures.tensors("tiny-flux.safetensors"));
    bfl.remove("double_blocks.1.txt_attn.proj.bias");
    assertThatThrownBy(() -> Flux.load(TensorSources.of("t", bfl), p, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("missing tensor 'double_blocks.1.txt_attn.proj.bias'");
    Map<String, Tensor> bad = new LinkedHashMap<>(FluxFixtures.tensors("tiny-flux.safetensors"));
    bad.put("img_in.weight", Tensors.fromFloats(new float[60 * 15], 60, 15));
    assertThatThrownBy(() -> Flux.load(TensorSources.of("t", bad), p, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("'img_in.weight' has shape [60, 15], expected [60, 16]");
    // a diffusers folder missing to_k: the fused qkv cannot be formed, so it is missing, and to_q/to_v show unmatched
    Map<String, Tensor> d = new LinkedHashMap<>(FluxFixtures.tensors("tiny-flux-diffusers.safetensors"));
    d.remove("transformer_blocks.0.attn.to_k.weight");
    assertThatThrownBy(() -> Flux.load(FluxKeyMap.diffusers().asBfl(TensorSources.of("d", d)), p, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("missing tensor 'double_blocks.0.img_attn.qkv.weight'");
  }

  @Test void extraTensorsAreReportedUnmatched() {
    Map<String, Tensor> d = new LinkedHashMap<>(FluxFixtures.tensors("tiny-flux-diffusers.safetensors"));
    d.put("some.extra.weight", Tensors.fromFloats(new float[] {1f}, 1));
    Flux f = Flux.load(FluxKeyMap.diffusers().asBfl(TensorSources.of("d", d)), FluxFixtures.params(), Placement.cpu());
    assertThat(f.loadReport().unmatched()).containsExactly("some.extra.weight");
    assertThat(f.loadReport().summary()).contains("matched 80/81");
  }

  @Test void comfyStylePrefixedSingleFileLoads() {
    Map<String, Tensor> prefixed = new LinkedHashMap<>();
    FluxFixtures.tensors("tiny-flux.safetensors").forEach((k, v) -> prefixed.put("model.diffusion_model." + k, v));
    prefixed.put("vae.decoder.conv_in.weight", Tensors.fromFloats(new float[] {1f}, 1));
    Path file = tmp.resolve("flux-comfy.safetensors");
    SafeTensorsWriter.write(file, prefixed, Map.of());
    Flux f = FluxCheckpoint.load(file, FluxFixtures.params(), Placement.cpu());
    assertThat(f.loadReport().matched()).hasSize(80);
    assertThat(f.loadReport().unmatched()).containsExactly("vae.decoder.conv_in.weight");
  }

  @Test void notAFluxCheckpointIsAClearError() {
    Path file = tmp.resolve("other.safetensors");
    SafeTensorsWriter.write(file, Map.of("encoder.conv_in.weight", Tensors.fromFloats(new float[] {1f}, 1)), Map.of());
    assertThatThrownBy(() -> FluxCheckpoint.open(file)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("not a FLUX transformer").hasMessageContaining("encoder.conv_in.weight");
  }

  @Test void theTableLocatesDiffusersModulesInsideFusedWeights() {
    FluxParams p = FluxFixtures.params(); // hidden 60, mlp 240
    FluxKeyMap m = FluxKeyMap.diffusers();
    assertThat(m.locate("transformer_blocks.1.attn.to_k", p)).contains(new FluxKeyMap.Location("double_blocks.1.img_attn.qkv", 60, 120, FluxKeyMap.Transform.CONCAT));
    assertThat(m.locate("transformer_blocks.0.attn.add_v_proj", p)).contains(new FluxKeyMap.Location("double_blocks.0.txt_attn.qkv", 120, 180, FluxKeyMap.Transform.CONCAT));
    assertThat(m.locate("single_transformer_blocks.1.proj_mlp", p)).contains(new FluxKeyMap.Location("single_blocks.1.linear1", 180, 420, FluxKeyMap.Transform.CONCAT));
    assertThat(m.locate("transformer_blocks.0.ff_context.net.2", p)).contains(new FluxKeyMap.Location("double_blocks.0.txt_mlp.2", 0, -1, FluxKeyMap.Transform.MODULE));
    assertThat(m.locate("norm_out.linear", p)).contains(new FluxKeyMap.Location("final_layer.adaLN_modulation.1", 0, -1, FluxKeyMap.Transform.SWAP));
    assertThat(m.locate("transformer_blocks.0.attn.norm_q", p)).isEmpty();
    assertThat(m.toBfl("single_transformer_blocks.12.attn.norm_k.weight")).contains("single_blocks.12.norm.key_norm.scale");
  }

  @Test void paramsFromJson() throws Exception {
    assertThat(FluxFixtures.params().hiddenSize()).isEqualTo(60);
    Path cfg = tmp.resolve("config.json");
    Files.writeString(cfg, FluxParams.schnell().toDiffusersJson().toString());
    assertThat(FluxParams.fromJson(cfg)).isEqualTo(FluxParams.schnell());
    Files.writeString(cfg, FluxParams.dev().toDiffusersJson().toString());
    assertThat(FluxParams.fromJson(cfg)).isEqualTo(FluxParams.dev());
    Files.writeString(cfg, "{\"num_layers\": 2}");
    assertThatThrownBy(() -> FluxParams.fromJson(cfg)).isInstanceOf(DualprocException.class).hasMessageContaining("missing field");
    Files.writeString(cfg, "{\"hidden_size\": 60, \"num_heads\": \"three\"}");
    assertThatThrownBy(() -> FluxParams.fromJson(cfg)).isInstanceOf(DualprocException.class).hasMessageContaining("config.json");
    assertThatThrownBy(() -> new FluxParams(16, 16, 32, 48, 60, 4.0, 3, 2, 2, new int[] {4, 8, 6}, 10_000, true, false))
        .isInstanceOf(DualprocException.class).hasMessageContaining("must add up to head_dim 20");
  }
}
