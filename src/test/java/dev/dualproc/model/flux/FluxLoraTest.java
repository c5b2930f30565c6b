package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Lora;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the reference modules, PEFT save / kohya export, loading both, key names, refusals. */
class FluxLoraTest {
  static Map<String, Tensor> io;
  @TempDir Path tmp;

  @BeforeAll static void load() { io = FluxFixtures.tensors("tiny-flux-io.safetensors"); }

  static Tensor out(Flux f) {
    try (NoGradGuard g = new NoGradGuard()) {
      return f.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null);
    }
  }

  /** A trained-looking LoRA: reference modules, rank 4, alpha 8 (PEFT's default), non-zero B, training weight 5. */
  static LoraSet trained(Flux f) {
    LoraSet set = FluxLora.attach(f, 4, 8.0, 7);
    long seed = 100;
    try (NoGradGuard g = new NoGradGuard()) {
      for (Lora l : set.adapters()) l.B.copy_(Rng.normal(seed++, l.B.size(0), l.B.size(1)).mul(new org.bytedeco.pytorch.Scalar(0.05)));
    }
    set.setWeight(5.0);
    return set;
  }

  @Test void adaptersSitOnExactlyTheReferenceModules() {
    Flux f = FluxFixtures.model();
    LoraSet set = FluxLora.attach(f, 4, 8.0, 1);
    FluxParams p = f.params;
    assertThat(set.size()).isEqualTo(12 * p.depth() + 3 * p.depthSingleBlocks());
    assertThat(set.get("transformer_blocks.0.attn.to_q")).isNotNull();
    assertThat(set.get("transformer_blocks.1.ff_context.net.2")).isNotNull();
    assertThat(set.get("single_transformer_blocks.1.attn.to_v")).isNotNull();
    assertThat(set.get("single_transformer_blocks.0.proj_mlp")).isNull();
    assertThat(set.get("single_transformer_blocks.0.proj_out")).isNull();
    assertThat(set.get("transformer_blocks.0.norm1.linear")).isNull();
    // q, k, v are separate adapters on row blocks of the fused BFL weights
    assertThat(f.linear("double_blocks.0.img_attn.qkv").adapters()).extracting(l -> l.name + "@" + l.rowStart + ".." + l.rowEnd)
        .containsExactly("transformer_blocks.0.attn.to_q@0..60", "transformer_blocks.0.attn.to_k@60..120", "transformer_blocks.0.attn.to_v@120..180");
    assertThat(f.linear("single_blocks.1.linear1").adapters()).extracting(l -> l.name + "@" + l.rowStart + ".." + l.rowEnd)
        .containsExactly("single_transformer_blocks.1.attn.to_q@0..60", "single_transformer_blocks.1.attn.to_k@60..120",
            "single_transformer_blocks.1.attn.to_v@120..180");
    assertThat(f.linear("single_blocks.0.linear2").adapters()).isEmpty();
    assertThat(f.linear("final_layer.adaLN_modulation.1").adapters()).isEmpty();
    // fresh adapters (B = 0) change nothing; the schnell-sized list has 19*12 + 38*3 = 342 modules
    Flux base = FluxFixtures.model();
    assertThat(Tensors.bytes(out(f))).isEqualTo(Tensors.bytes(out(base)));
    assertThat(FluxLora.targets(FluxParams.schnell())).hasSize(342);
    // paper-brief 1.2: about 44.8M LoRA parameters for schnell at rank 16
    assertThat(FluxLora.parameterCount(FluxParams.schnell(), 16)).isEqualTo(19L * (8 * 16 * 6144 + 4 * 16 * 15360) + 38L * 3 * 16 * 6144);
    assertThat(FluxLora.parameterCount(FluxParams.schnell(), 16) / 1e6).isBetween(44.7, 44.9);
    assertThat(FluxLora.parameterCount(p, 4)).isEqualTo(set.parameterCount());
  }

  @Test void peftFileLoadedAtWeightOneReproducesTheTrainingScale() throws Exception {
    Flux f = FluxFixtures.model();
    LoraSet set = trained(f);
    Tensor trainedOut = out(f);
    Tensor baseOut = out(FluxFixtures.model());
    assertThat(Tensors.relativeError(trainedOut, baseOut)).as("the LoRA changes the output").isGreaterThan(1e-3);

    Path file = tmp.resolve("lora.safetensors");
    FluxLoraFiles.savePeft(file, set, 5.0, Map.of("dualproc_task", "{\"control\": \"horizon\"}"), f.params);
    try (SafeTensorsFile sf = SafeTensorsFile.open(file)) {
      assertThat(sf.names()).contains("transformer.transformer_blocks.0.attn.to_q.lora_A.weight",
          "transformer.transformer_blocks.0.attn.to_q.lora_B.weight", "transformer.transformer_blocks.1.attn.to_out.0.lora_A.weight",
          "transformer.transformer_blocks.0.ff_context.net.0.proj.lora_B.weight", "transformer.single_transformer_blocks.1.attn.to_k.lora_A.weight");
      assertThat(sf.names()).hasSize(2 * set.size()).noneMatch(n -> n.contains("alpha"));
      // notes/flux-and-lora.md 1.3's example: single block 0's query, r x hidden and hidden x r
      assertThat(sf.shape("transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight")).containsExactly(4, 60);
      assertThat(sf.shape("transformer.single_transformer_blocks.0.attn.to_q.lora_B.weight")).containsExactly(60, 4);
      assertThat(sf.shape("transformer.transformer_blocks.0.attn.to_q.lora_A.weight")).containsExactly(4, 60);
      assertThat(sf.shape("transformer.transformer_blocks.0.attn.to_q.lora_B.weight")).containsExactly(60, 4);
      assertThat(sf.shape("transformer.transformer_blocks.0.ff.net.0.proj.lora_B.weight")).containsExactly(240, 4);
      assertThat(sf.metadata()).containsEntry("dualproc_task", "{\"control\": \"horizon\"}").containsKey("lora_adapter_metadata");
      JsonNode m = new ObjectMapper().readTree(sf.metadata().get("lora_adapter_metadata"));
      assertThat(m.get("transformer.r").asInt()).isEqualTo(4);
      assertThat(m.get("transformer.lora_alpha").asInt()).as("alpha folded: scale 1").isEqualTo(4);
      assertThat(m.get("transformer.target_modules")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(FluxLora.TARGET_MODULES);
    }

    Flux g = FluxFixtures.model();
    FluxLoraFiles.Loaded loaded = FluxLoraFiles.load(file, g, 1.0);
    assertThat(loaded.format()).isEqualTo(FluxLoraFiles.Format.PEFT);
    assertThat(loaded.unmatched()).isEmpty();
    assertThat(loaded.matched()).hasSize(2 * set.size());
    assertThat(loaded.lora().size()).isEqualTo(set.size());
    double rel = Tensors.relativeError(out(g), trainedOut);
    System.out.println("PEFT round trip: rel " + rel);
    assertThat(rel).isLessThanOrEqualTo(1e-6);
    // the weight scales it like PEFT's set_adapters: weight 0 is the base model
    loaded.lora().setWeight(0);
    assertThat(Tensors.bytes(out(g))).isEqualTo(Tensors.bytes(baseOut));
  }

  @Test void kohyaExportLoadsBackToTheSameOutputsAndTheSameAdapters() {
    Flux f = FluxFixtures.model();
    LoraSet set = trained(f);
    Tensor trainedOut = out(f);
    Path file = tmp.resolve("lora-kohya.safetensors");
    FluxLoraFiles.exportKohya(file, set, 5.0, Map.of("ss_output_name", "horizon"), f);
    try (SafeTensorsFile sf = SafeTensorsFile.open(file)) {
      assertThat(sf.shape("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight")).containsExactly(12, 60);
      assertThat(sf.shape("lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight")).containsExactly(180, 12);
      assertThat(sf.shape("lora_unet_double_blocks_0_img_attn_qkv.alpha")).isEmpty();
      assertThat(Tensors.item(sf.load("lora_unet_double_blocks_0_img_attn_qkv.alpha"))).isEqualTo(12.0);
      // the notes' kohya example: lora_unet_single_blocks_0_linear1, up over all of linear1's rows (3 hidden + mlp)
      assertThat(sf.shape("lora_unet_single_blocks_0_linear1.lora_down.weight")).containsExactly(12, 60);
      assertThat(sf.shape("lora_unet_single_blocks_0_linear1.lora_up.weight")).containsExactly(420, 12);
      assertThat(sf.names()).contains("lora_unet_single_blocks_0_linear1.alpha");
      assertThat(sf.shape("lora_unet_single_blocks_1_linear1.lora_up.weight")).containsExactly(420, 12);
      assertThat(sf.shape("lora_unet_double_blocks_1_txt_mlp_2.lora_down.weight")).containsExactly(4, 240);
      assertThat(sf.shape("lora_unet_double_blocks_1_img_attn_proj.lora_up.weight")).containsExactly(60, 4);
      assertThat(sf.names()).noneMatch(n -> n.contains("linear2") || n.contains("modulation") || n.contains("_mod_"));
      // block-diagonal: k's rows use only k's rank columns
      Tensor up = sf.load("lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight");
      assertThat(Tensors.item(up.narrow(0, 60, 60).narrow(1, 0, 4).abs().sum())).isZero();
      assertThat(Tensors.item(up.narrow(0, 60, 60).narrow(1, 4, 4).abs().sum())).isPositive();
      assertThat(Tensors.item(sf.load("lora_unet_single_blocks_0_linear1.lora_up.weight").narrow(0, 180, 240).abs().sum())).as("mlp rows").isZero();
      assertThat(sf.metadata()).containsEntry("ss_network_dim", "12").containsEntry("ss_output_name", "horizon");
    }
    Flux g = FluxFixtures.model();
    FluxLoraFiles.Loaded loaded = FluxLoraFiles.load(file, g, 1.0);
    assertThat(loaded.format()).isEqualTo(FluxLoraFiles.Format.KOHYA);
    assertThat(loaded.unmatched()).isEmpty();
    // the fused entries split back into rank-4 q, k, v adapters (no zero mlp adapter)
    assertThat(loaded.lora().adapters()).extracting(l -> l.name).containsExactlyInAnyOrderElementsOf(set.adapters().stream().map(l -> l.name).toList());
    assertThat(loaded.lora().adapters()).allMatch(l -> l.rank == 4);
    double rel = Tensors.relativeError(out(g), trainedOut);
    System.out.println("kohya round trip: rel " + rel);
    assertThat(rel).isLessThanOrEqualTo(1e-6);
  }

  @Test void fusedKohyaLoraWithSharedRankSplitsExactly() {
    // a kohya-trained LoRA on a fused qkv (one shared down) and on all of linear1 including the mlp rows
    Flux f = FluxFixtures.model();
    Tensor down = Rng.normal(1, 3, 60).mul(new org.bytedeco.pytorch.Scalar(0.1)), up = Rng.normal(2, 180, 3).mul(new org.bytedeco.pytorch.Scalar(0.1));
    Tensor down1 = Rng.normal(3, 2, 60).mul(new org.bytedeco.pytorch.Scalar(0.1)), up1 = Rng.normal(4, 420, 2).mul(new org.bytedeco.pytorch.Scalar(0.1));
    Map<String, Tensor> t = new java.util.LinkedHashMap<>();
    t.put("lora_unet_double_blocks_1_txt_attn_qkv.lora_down.weight", down);
    t.put("lora_unet_double_blocks_1_txt_attn_qkv.lora_up.weight", up);
    t.put("lora_unet_double_blocks_1_txt_attn_qkv.alpha", Tensors.fromFloats(new float[] {1.5f}));
    t.put("lora_unet_single_blocks_0_linear1.lora_down.weight", down1);
    t.put("lora_unet_single_blocks_0_linear1.lora_up.weight", up1);
    Path file = tmp.resolve("kohya-fused.safetensors");
    SafeTensorsWriter.write(file, t, Map.of());
    Tensor x = Rng.normal(5, 2, 7, 60);
    Tensor qkvBase = f.linear("double_blocks.1.txt_attn.qkv").forward(x), l1Base = f.linear("single_blocks.0.linear1").forward(x);
    FluxLoraFiles.Loaded loaded = FluxLoraFiles.load(file, f, 0.5);
    assertThat(loaded.lora().adapters()).extracting(l -> l.name).containsExactly("transformer_blocks.1.attn.add_q_proj",
        "transformer_blocks.1.attn.add_k_proj", "transformer_blocks.1.attn.add_v_proj", "single_transformer_blocks.0.attn.to_q",
        "single_transformer_blocks.0.attn.to_k", "single_transformer_blocks.0.attn.to_v", "single_transformer_blocks.0.proj_mlp");
    // dW = weight * alpha / rank * up @ down over the whole fused weight
    Tensor dQkv = f.linear("double_blocks.1.txt_attn.qkv").forward(x).sub(qkvBase);
    Tensor expected = x.matmul(up.matmul(down).t()).mul(new org.bytedeco.pytorch.Scalar(0.5 * 1.5 / 3));
    assertThat(Tensors.relativeError(dQkv, expected)).isLessThan(1e-5);
    Tensor dL1 = f.linear("single_blocks.0.linear1").forward(x).sub(l1Base);
    assertThat(Tensors.relativeError(dL1, x.matmul(up1.matmul(down1).t()).mul(new org.bytedeco.pytorch.Scalar(0.5)))).isLessThan(1e-5);
  }

  @Test void aLoraMatchingNothingIsRefused() {
    Flux f = FluxFixtures.model();
    Path file = tmp.resolve("sdxl.safetensors");
    SafeTensorsWriter.write(file, Map.of(
        "unet.down_blocks.0.attentions.0.to_q.lora_A.weight", Rng.normal(1, 4, 60),
        "unet.down_blocks.0.attentions.0.to_q.lora_B.weight", Rng.normal(2, 60, 4)), Map.of());
    assertThatThrownBy(() -> FluxLoraFiles.load(file, f, 1.0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("matches no FLUX transformer module").hasMessageContaining("0/2 keys");
    Path kohya = tmp.resolve("kohya-other.safetensors");
    SafeTensorsWriter.write(kohya, Map.of("lora_unet_input_blocks_1_0_proj.lora_down.weight", Rng.normal(1, 4, 60),
        "lora_unet_input_blocks_1_0_proj.lora_up.weight", Rng.normal(2, 60, 4)), Map.of());
    assertThatThrownBy(() -> FluxLoraFiles.load(kohya, f, 1.0)).isInstanceOf(DualprocException.class).hasMessageContaining("matches no FLUX");
    assertThat(f.linears().values()).allMatch(l -> l.adapters().isEmpty());
  }

  @Test void partlyMatchingAndMisShapedLorasAreReportedOrRefused() {
    Flux f = FluxFixtures.model();
    Path file = tmp.resolve("partial.safetensors");
    SafeTensorsWriter.write(file, Map.of(
        "transformer.transformer_blocks.0.attn.to_k.lora_A.weight", Rng.normal(1, 2, 60),
        "transformer.transformer_blocks.0.attn.to_k.lora_B.weight", Rng.normal(2, 60, 2),
        "transformer.transformer_blocks.9.attn.to_k.lora_A.weight", Rng.normal(3, 2, 60),
        "transformer.transformer_blocks.9.attn.to_k.lora_B.weight", Rng.normal(4, 60, 2)), Map.of());
    FluxLoraFiles.Loaded l = FluxLoraFiles.load(file, f, 1.0);
    assertThat(l.matched()).hasSize(2);
    assertThat(l.unmatched()).containsExactlyInAnyOrder("transformer.transformer_blocks.9.attn.to_k.lora_A.weight",
        "transformer.transformer_blocks.9.attn.to_k.lora_B.weight");
    assertThat(l.summary()).contains("matched 2/4");

    Flux g = FluxFixtures.model();
    Path bad = tmp.resolve("bad.safetensors");
    SafeTensorsWriter.write(bad, Map.of(
        "transformer.transformer_blocks.0.attn.to_q.lora_A.weight", Rng.normal(1, 2, 60),
        "transformer.transformer_blocks.0.attn.to_q.lora_B.weight", Rng.normal(2, 60, 2),
        "transformer.transformer_blocks.1.attn.to_k.lora_A.weight", Rng.normal(1, 2, 61),
        "transformer.transformer_blocks.1.attn.to_k.lora_B.weight", Rng.normal(2, 60, 2)), Map.of());
    assertThatThrownBy(() -> FluxLoraFiles.load(bad, g, 1.0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("'transformer.transformer_blocks.1.attn.to_k.lora_A.weight' has shape [2, 61], expected [rank, 60]");
    assertThat(g.linears().values()).as("nothing left attached after a refused load").allMatch(x -> x.adapters().isEmpty());
    Path badKohya = tmp.resolve("bad-kohya.safetensors");
    SafeTensorsWriter.write(badKohya, Map.of("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight", Rng.normal(1, 2, 60),
        "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight", Rng.normal(2, 60, 2)), Map.of());
    assertThatThrownBy(() -> FluxLoraFiles.load(badKohya, g, 1.0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("has shape [60, 2], expected [180, 2] (all output rows of double_blocks.0.img_attn.qkv)");
  }

  @Test void peftMetadataAlphaIsHonouredWhenNotFolded() {
    // a file written by PEFT itself with lora_alpha 8, r 4 (scale 2) and no folding
    Flux f = FluxFixtures.model();
    Tensor a = Rng.normal(1, 4, 60), b = Rng.normal(2, 60, 4).mul(new org.bytedeco.pytorch.Scalar(0.1));
    Path file = tmp.resolve("peft.safetensors");
    SafeTensorsWriter.write(file, Map.of("transformer_blocks.0.attn.to_out.0.lora_A.weight", a,
        "transformer_blocks.0.attn.to_out.0.lora_B.weight", b), Map.of("lora_adapter_metadata", "{\"r\": 4, \"lora_alpha\": 8}"));
    FluxLoraFiles.Loaded l = FluxLoraFiles.load(file, f, 1.0);
    assertThat(l.lora().get("transformer_blocks.0.attn.to_out.0").scale()).isEqualTo(2.0);
  }

  @Test void olderDiffusersSuffixesAndAlphaTensorsAreRead() {
    // diffusers' older attention-processor names (lora.down/lora.up) with a kohya-style .alpha beside them
    Flux f = FluxFixtures.model();
    Path file = tmp.resolve("old-diffusers.safetensors");
    SafeTensorsWriter.write(file, Map.of(
        "transformer.single_transformer_blocks.0.proj_mlp.lora.down.weight", Rng.normal(1, 2, 60),
        "transformer.single_transformer_blocks.0.proj_mlp.lora.up.weight", Rng.normal(2, 240, 2),
        "transformer.single_transformer_blocks.0.proj_mlp.alpha", Tensors.fromFloats(new float[] {1f})), Map.of());
    FluxLoraFiles.Loaded l = FluxLoraFiles.load(file, f, 1.0);
    assertThat(l.unmatched()).isEmpty();
    Lora mlp = l.lora().get("single_transformer_blocks.0.proj_mlp");
    assertThat(mlp.scale()).isEqualTo(0.5);
    assertThat(mlp.rowStart).isEqualTo(180);
    assertThat(mlp.rowEnd).isEqualTo(420);
  }

  @Test void normOutLoraSwapsHalvesBetweenLayouts() {
    Flux f = FluxFixtures.model();
    LoraSet set = FluxLora.attach(f, List.of("norm_out.linear", "transformer_blocks.0.attn.to_q"), 2, 2.0, 3);
    try (NoGradGuard g = new NoGradGuard()) { for (Lora l : set.adapters()) l.B.copy_(Rng.normal(9, l.B.size(0), l.B.size(1))); }
    Tensor expected = out(f);
    Path peft = tmp.resolve("norm-out.safetensors"), kohya = tmp.resolve("norm-out-kohya.safetensors");
    FluxLoraFiles.savePeft(peft, set, 1.0, Map.of(), f.params);
    FluxLoraFiles.exportKohya(kohya, set, 1.0, Map.of(), f);
    try (SafeTensorsFile sf = SafeTensorsFile.open(peft)) {
      Tensor b = sf.load("transformer.norm_out.linear.lora_B.weight");
      assertThat(Tensors.bytes(b.narrow(0, 0, 60))).isEqualTo(Tensors.bytes(set.get("norm_out.linear").B.detach().narrow(0, 60, 60)));
    }
    try (SafeTensorsFile sf = SafeTensorsFile.open(kohya)) {
      // kohya names the BFL module, whose rows are (shift, scale): no swap there
      Tensor up = sf.load("lora_unet_final_layer_adaLN_modulation_1.lora_up.weight");
      assertThat(Tensors.bytes(up)).isEqualTo(Tensors.bytes(set.get("norm_out.linear").B.detach()));
    }
    for (Path p : List.of(peft, kohya)) {
      Flux g = FluxFixtures.model();
      FluxLoraFiles.load(p, g, 1.0);
      assertThat(Tensors.relativeError(out(g), expected)).as(p.getFileName().toString()).isLessThanOrEqualTo(1e-6);
    }
  }

  @Test void emptySetsAreNotSaved() {
    Flux f = FluxFixtures.model();
    assertThatThrownBy(() -> FluxLoraFiles.savePeft(tmp.resolve("x.safetensors"), new LoraSet(4, 4), 1.0, Map.of(), f.params))
        .isInstanceOf(DualprocException.class).hasMessageContaining("no adapters");
  }
}
