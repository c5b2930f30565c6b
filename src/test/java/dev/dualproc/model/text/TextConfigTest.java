package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json of the text encoders: transformers' defaults, and errors that name the file and the field. */
class TextConfigTest {
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  @Test void t5DefaultsAndActivationNames() throws IOException {
    T5Config v11 = T5Config.read(write("{\"vocab_size\": 100, \"d_model\": 16, \"d_ff\": 32, \"num_layers\": 1, \"num_heads\": 2, "
        + "\"feed_forward_proj\": \"gated-gelu\"}"));
    assertThat(v11.gatedAct()).isTrue();
    assertThat(v11.denseAct()).as("gated-gelu means gelu_new (tanh)").isEqualTo(Activation.GELU_TANH);
    assertThat(v11.dKv()).isEqualTo(64);
    assertThat(v11.relativeAttentionNumBuckets()).isEqualTo(32);
    assertThat(v11.relativeAttentionMaxDistance()).isEqualTo(128);
    assertThat(v11.layerNormEpsilon()).isEqualTo(1e-6);
    T5Config original = T5Config.read(write("{\"vocab_size\": 100, \"d_model\": 16, \"d_ff\": 32, \"num_layers\": 1, \"num_heads\": 2}"));
    assertThat(original.gatedAct()).isFalse();
    assertThat(original.denseAct()).as("T5Config's default feed_forward_proj is relu").isEqualTo(Activation.RELU);
  }

  @Test void brokenT5ConfigsNameTheField() throws IOException {
    String ok = "{\"vocab_size\": 100, \"d_model\": 16, \"d_ff\": 32, \"num_layers\": 1, \"num_heads\": 2}";
    expectT5(ok, c -> c.remove("d_model"), "d_model");
    expectT5(ok, c -> c.put("num_heads", "2"), "num_heads");
    expectT5(ok, c -> c.put("num_layers", 0), "num_layers");
    expectT5(ok, c -> c.put("vocab_size", new java.math.BigInteger("18446744073709551716")), "vocab_size");
    expectT5(ok, c -> c.put("d_ff", 3.5), "d_ff");
    expectT5(ok, c -> c.put("feed_forward_proj", "gated-gelu-new"), "feed_forward_proj");
    expectT5(ok, c -> c.put("feed_forward_proj", "swiglu"), "feed_forward_proj: unknown activation 'swiglu'");
    expectT5(ok, c -> c.put("dense_act_fn", "swiglu"), "dense_act_fn: unknown activation 'swiglu'");
    expectT5(ok, c -> c.put("layer_norm_epsilon", -1), "layer_norm_epsilon");
    expectT5(ok, c -> c.put("is_gated_act", "yes"), "is_gated_act");
    Path truncated = write(ok.substring(0, 20));
    assertThatThrownBy(() -> T5Config.read(truncated)).isInstanceOf(DualprocException.class).hasMessageContaining(truncated.toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test void brokenClipConfigsNameTheField() throws IOException {
    String ok = "{\"vocab_size\": 100, \"hidden_size\": 16, \"intermediate_size\": 32, \"num_attention_heads\": 2, \"num_hidden_layers\": 1}";
    ClipTextConfig c = ClipTextConfig.read(write(ok));
    assertThat(c.hiddenAct()).isEqualTo(Activation.QUICK_GELU);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(77);
    assertThat(c.eosTokenId()).isEqualTo(49407);
    expectClip(ok, n -> n.remove("hidden_size"), "hidden_size");
    expectClip(ok, n -> n.put("hidden_act", "gelu_quick"), "hidden_act");
    expectClip(ok, n -> n.put("eos_token_id", "2"), "eos_token_id");
    expectClip(ok, n -> n.put("max_position_embeddings", -77), "max_position_embeddings");
  }

  @Test void clipHiddenSizeNotDividedByHeadsIsAnError() throws IOException {
    TinyTextModels.writeClip(dir.resolve("clip"), 1);
    Path cfg = dir.resolve("clip/config.json");
    Files.writeString(cfg, Files.readString(cfg).replace("\"num_attention_heads\" : 4", "\"num_attention_heads\" : 5"));
    assertThatThrownBy(() -> ClipTextModel.load(dir.resolve("clip"), Placement.cpu())).isInstanceOf(DualprocException.class)
        .hasMessageContaining("num_attention_heads 5");
  }

  /** FLUX's text_encoder_2/ is sharded: model-0000N-of-0000M.safetensors behind model.safetensors.index.json. */
  @Test void shardedT5LoadsTheSame() throws IOException {
    TinyTextModels.writeT5(dir.resolve("t5"), 2);
    Path sharded = Files.createDirectories(dir.resolve("t5-sharded"));
    Files.copy(dir.resolve("t5/config.json"), sharded.resolve("config.json"));
    Map<String, Tensor> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 0);
    ObjectNode map = index.putObject("weight_map");
    try (TensorSource src = TensorSources.open(dir.resolve("t5"))) {
      for (String n : src.names()) {
        boolean first = n.startsWith("shared") || n.contains("block.0.");
        (first ? a : b).put(n, src.load(n));
        map.put(n, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
      }
    }
    SafeTensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
    SafeTensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"));
    Files.writeString(sharded.resolve("model.safetensors.index.json"), index.toString());
    long[] ids = {4, 31, 6, 1, 0, 0};
    T5Encoder one = T5Encoder.load(dir.resolve("t5"), Placement.cpu()), two = T5Encoder.load(sharded, Placement.cpu());
    assertThat(two.loadReport.unmatched()).isEmpty();
    assertThat(Tensors.maxAbsDiff(one.encode(ids), two.encode(ids))).isZero();
  }

  private void expectT5(String base, Consumer<ObjectNode> edit, String field) throws IOException {
    Path f = edited(base, edit);
    assertThatThrownBy(() -> T5Config.read(f)).isInstanceOf(DualprocException.class).hasMessageContaining(f.toString()).hasMessageContaining(field);
  }

  private void expectClip(String base, Consumer<ObjectNode> edit, String field) throws IOException {
    Path f = edited(base, edit);
    assertThatThrownBy(() -> ClipTextConfig.read(f)).isInstanceOf(DualprocException.class).hasMessageContaining(f.toString()).hasMessageContaining(field);
  }

  private Path edited(String base, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode n = (ObjectNode) JSON.readTree(base);
    edit.accept(n);
    return write(n.toString());
  }

  private Path write(String text) throws IOException {
    Path f = Files.createTempFile(dir, "config", ".json");
    Files.writeString(f, text);
    return f;
  }
}
