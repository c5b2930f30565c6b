package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.ModelLayout;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `inspect` names the layout of each kind of model folder and file. */
class ModelLayoutTest {
  @TempDir Path dir;

  static Map<String, Tensor> tensors(String... names) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    int i = 0;
    for (String n : names) m.put(n, Rng.normal(i++, 4, 2));
    return m;
  }

  static String inspect(Path p) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    InspectCommand.print(new PrintStream(b, true, StandardCharsets.UTF_8), p, false);
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test void bflSingleFile() {
    Path f = dir.resolve("flux1-schnell.safetensors");
    SafeTensorsWriter.write(f, tensors("double_blocks.0.img_mod.lin.weight", "single_blocks.0.linear1.weight", "img_in.weight"), null);
    assertThat(ModelLayout.detect(f).description()).startsWith("BFL single file");
  }

  @Test void diffusersPipelineFolderWithLooseBflFiles() throws Exception {
    Files.writeString(dir.resolve("model_index.json"),
        "{\"_class_name\":\"FluxPipeline\",\"transformer\":[\"diffusers\",\"FluxTransformer2DModel\"],\"vae\":[\"diffusers\",\"AutoencoderKL\"],\"scheduler\":[\"diffusers\",\"X\"]}");
    Path tr = Files.createDirectories(dir.resolve("transformer"));
    Files.writeString(tr.resolve("config.json"), "{\"_class_name\":\"FluxTransformer2DModel\"}");
    SafeTensorsWriter.write(tr.resolve("diffusion_pytorch_model.safetensors"),
        tensors("transformer_blocks.0.attn.to_q.weight", "single_transformer_blocks.0.proj_out.weight"), null);
    Path vae = Files.createDirectories(dir.resolve("vae"));
    Files.writeString(vae.resolve("config.json"), "{\"_class_name\":\"AutoencoderKL\"}");
    SafeTensorsWriter.write(vae.resolve("diffusion_pytorch_model.safetensors"), tensors("encoder.conv_in.weight", "decoder.conv_out.weight"), null);
    SafeTensorsWriter.write(dir.resolve("ae.safetensors"), tensors("encoder.conv_in.weight", "decoder.conv_in.weight"), null);

    ModelLayout.Layout l = ModelLayout.detect(dir);
    assertThat(l.description()).startsWith("diffusers pipeline folder (model_index.json: FluxPipeline; components transformer, vae, scheduler)");
    assertThat(l.parts()).extracting(ModelLayout.Part::label)
        .containsExactly("transformer/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors", "ae.safetensors");
    assertThat(l.parts().get(0).description()).isEqualTo("FluxTransformer2DModel: diffusers transformer (transformer_blocks.*)");
    assertThat(l.parts().get(2).description()).startsWith("autoencoder");
    assertThat(inspect(dir)).contains("transformer_blocks.0.attn.to_q.weight", "all files: 6 tensors, 48 parameters");
  }

  @Test void hfTransformersFolderWithShards() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"Idefics3ForConditionalGeneration\"],\"model_type\":\"idefics3\"}");
    SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), tensors("model.text_model.embed_tokens.weight"), null);
    SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), tensors("lm_head.weight"), null);
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"model.text_model.embed_tokens.weight\":"
        + "\"model-00001-of-00002.safetensors\",\"lm_head.weight\":\"model-00002-of-00002.safetensors\"}}");
    ModelLayout.Layout l = ModelLayout.detect(dir);
    assertThat(l.description()).isEqualTo("HF transformers model (config.json: Idefics3ForConditionalGeneration, model_type idefics3)");
    assertThat(l.parts()).extracting(ModelLayout.Part::label).containsExactly("model.safetensors.index.json");
    assertThat(inspect(dir)).contains("lm_head.weight", "total: 2 tensors, 16 parameters");
  }

  @Test void loraFilesInBothNamingStyles() {
    Path peft = dir.resolve("lora.safetensors");
    SafeTensorsWriter.write(peft, tensors("transformer.transformer_blocks.0.attn.to_q.lora_A.weight",
        "transformer.transformer_blocks.0.attn.to_q.lora_B.weight"), Map.of("rank", "4"));
    assertThat(ModelLayout.detect(peft).description()).isEqualTo("LoRA file (PEFT/diffusers lora_A/lora_B names on diffusers transformer modules)");
    assertThat(inspect(peft)).contains("rank: 4");
    Path kohya = dir.resolve("kohya.safetensors");
    SafeTensorsWriter.write(kohya, tensors("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight",
        "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight"), null);
    assertThat(ModelLayout.detect(kohya).description()).startsWith("LoRA file (kohya lora_down/lora_up");
  }

  @Test void theSharedFixtureFolderIsAFolderOfFiles() {
    ModelLayout.Layout l = ModelLayout.detect(dev.dualproc.engine.Fixtures.shared().resolve("fixtures/flux"));
    assertThat(l.description()).startsWith("folder of safetensors files");
    assertThat(l.parts()).filteredOn(p -> p.label().equals("tiny-flux.safetensors")).extracting(ModelLayout.Part::description)
        .containsExactly("BFL single file (FLUX transformer: double_blocks.*, single_blocks.*)");
    assertThat(l.parts()).filteredOn(p -> p.label().equals("tiny-flux-diffusers.safetensors")).extracting(ModelLayout.Part::description)
        .containsExactly("diffusers transformer (transformer_blocks.*)");
  }

  @Test void plainFileAndBrokenConfigs() throws Exception {
    Path f = dir.resolve("x.safetensors");
    SafeTensorsWriter.write(f, tensors("a", "b"), null);
    assertThat(ModelLayout.detect(f).description()).isEqualTo("safetensors (no known model layout)");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> ModelLayout.detect(empty)).isInstanceOf(DualprocException.class).hasMessageContaining("no model found");
    Path bad = Files.createDirectories(dir.resolve("bad"));
    Files.writeString(bad.resolve("config.json"), "{oops");
    assertThatThrownBy(() -> ModelLayout.detect(bad)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(bad.resolve("config.json").toString(), "not valid JSON");
  }
}
