package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny models in FLUX's diffusers layout: text_encoder/ + tokenizer/ (CLIP), text_encoder_2/ + tokenizer_2/ (T5). */
class TinyTextModelsTest {
  @TempDir Path dir;

  @Test void diffusersLayoutLoadsAndEncodes() throws IOException {
    T5Config t5c = TinyTextModels.writeT5(dir.resolve("text_encoder_2"), dir.resolve("tokenizer_2"), 7);
    ClipTextConfig clipc = TinyTextModels.writeClip(dir.resolve("text_encoder"), dir.resolve("tokenizer"), 7);
    assertThat(dir.resolve("text_encoder_2")).isDirectoryContaining("glob:**/config.json").isDirectoryContaining("glob:**/model.safetensors");
    assertThat(dir.resolve("tokenizer_2")).isDirectoryContaining("glob:**/tokenizer.json").isDirectoryContaining("glob:**/special_tokens_map.json")
        .isDirectoryContaining("glob:**/tokenizer_config.json");
    assertThat(dir.resolve("tokenizer")).isDirectoryContaining("glob:**/vocab.json").isDirectoryContaining("glob:**/merges.txt");
    assertThat(dir.resolve("text_encoder_2")).isDirectoryNotContaining("glob:**/tokenizer.json");

    JsonNode t5json = new ObjectMapper().readTree(Files.readString(dir.resolve("text_encoder_2/config.json")));
    for (String field : new String[] {"d_model", "d_kv", "d_ff", "num_layers", "num_heads", "feed_forward_proj", "vocab_size",
        "relative_attention_num_buckets", "relative_attention_max_distance", "layer_norm_epsilon", "model_type"})
      assertThat(t5json.has(field)).as("T5 config field %s", field).isTrue();
    JsonNode clipjson = new ObjectMapper().readTree(Files.readString(dir.resolve("text_encoder/config.json")));
    for (String field : new String[] {"hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
        "max_position_embeddings", "hidden_act", "eos_token_id", "vocab_size", "layer_norm_eps", "model_type"})
      assertThat(clipjson.has(field)).as("CLIP config field %s", field).isTrue();

    try (TextTokenizer t5tok = TextTokenizer.load(dir.resolve("tokenizer_2")); TextTokenizer cliptok = TextTokenizer.load(dir.resolve("tokenizer"))) {
      assertThat(t5tok.idLimit()).as("tokenizer ids fit the embedding").isLessThanOrEqualTo(t5c.vocabSize());
      assertThat(cliptok.idLimit()).isEqualTo(clipc.vocabSize());
      assertThat(cliptok.tokenId("<|endoftext|>")).isEqualTo(clipc.eosTokenId());
      String prompt = "a photo of a red house on a hill, thick lines";
      long[] t5ids = t5tok.encode(prompt, 256, true);
      long[] clipids = cliptok.encode(prompt, 77, true);
      var t5 = T5Encoder.load(dir.resolve("text_encoder_2"), Placement.cpu());
      var clip = ClipTextModel.load(dir.resolve("text_encoder"), Placement.cpu());
      assertThat(Tensors.shape(t5.encode(t5ids))).containsExactly(1, 256, TinyTextModels.D_MODEL);
      assertThat(Tensors.shape(clip.pooled(clipids))).containsExactly(1, TinyTextModels.D_MODEL);
      assertThat(clip.eosPosition(clipids)).isEqualTo(cliptok.encodeWithMask(prompt, 77, true).tokenCount() - 1);
    }
  }

  @Test void bf16PlacementStaysCloseToFp32() {
    TinyTextModels.writeT5(dir.resolve("t5"), 8);
    TinyTextModels.writeClip(dir.resolve("clip"), 8);
    long[] t5ids = {4, 31, 6, 4, 152, 1, 0, 0};
    var t5 = T5Encoder.load(dir.resolve("t5"), Placement.cpu()).encode(t5ids);
    var t5bf = T5Encoder.load(dir.resolve("t5"), Placement.cpuBf16()).encode(t5ids);
    assertThat(Tensors.isDtype(t5bf, org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)).isTrue();
    assertThat(Tensors.relativeError(t5bf, t5)).isLessThan(0.05);
    long eos = 2 * 256 + TinyTextModels.CLIP_MERGES + 1;
    long[] clipids = {eos - 1, 320, 662, eos, eos};
    var clip = ClipTextModel.load(dir.resolve("clip"), Placement.cpu()).pooled(clipids);
    var clipbf = ClipTextModel.load(dir.resolve("clip"), Placement.cpuBf16()).pooled(clipids);
    assertThat(Tensors.relativeError(clipbf, clip)).isLessThan(0.05);
  }
}
