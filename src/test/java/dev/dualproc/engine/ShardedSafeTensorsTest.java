package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafeTensorsTest {
  @TempDir Path dir;
  final Map<String, Tensor> all = new LinkedHashMap<>();

  @BeforeEach void writeShards() {
    Map<String, Tensor> one = new LinkedHashMap<>(), two = new LinkedHashMap<>();
    one.put("model.embed.weight", Rng.normal(1, 10, 4));
    one.put("model.layers.0.w", Rng.normal(2, 4, 4));
    two.put("model.layers.1.w", Rng.normal(3, 4, 4));
    two.put("lm_head.weight", Rng.normal(4, 10, 4).to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16));
    SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), one, Map.of("format", "pt"));
    SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), two, Map.of("format", "pt"));
    all.putAll(one);
    all.putAll(two);
  }

  private Path index(String weightMap) throws Exception {
    return Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":1},\"weight_map\":{" + weightMap + "}}");
  }

  private static final String MAP = "\"model.embed.weight\":\"model-00001-of-00002.safetensors\","
      + "\"model.layers.0.w\":\"model-00001-of-00002.safetensors\",\"model.layers.1.w\":\"model-00002-of-00002.safetensors\","
      + "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"";

  @Test void readsEveryTensorFromItsShard() throws Exception {
    Path idx = index(MAP);
    for (TensorSource src : new TensorSource[] {ShardedSafeTensors.open(idx), TensorSources.open(dir), TensorSources.open(idx)}) {
      try (src) {
        assertThat(src.names()).containsExactlyInAnyOrderElementsOf(all.keySet());
        for (var e : all.entrySet()) {
          assertThat(src.dtype(e.getKey())).isEqualTo(DType.of(e.getValue().scalar_type()));
          assertThat(Tensors.bytes(src.load(e.getKey()))).as(e.getKey()).isEqualTo(Tensors.bytes(e.getValue()));
        }
      }
    }
    try (ShardedSafeTensors s = ShardedSafeTensors.open(idx)) {
      assertThat(s.shards()).hasSize(2);
      Weights w = new Weights(s, Placement.cpu());
      assertThat(Tensors.shape(w.scope("model").scope("layers").scope(1).get("w", 4, 4))).containsExactly(4, 4);
      assertThat(w.report().unmatched()).containsExactly("lm_head.weight", "model.embed.weight", "model.layers.0.w");
    }
  }

  @Test void indexNamingATensorTheShardLacksIsRejected() throws Exception {
    Path idx = index(MAP + ",\"ghost\":\"model-00001-of-00002.safetensors\"");
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(idx.toString(), "'ghost'", "model-00001-of-00002.safetensors", "not there");
  }

  @Test void shardOutsideTheFolderIsRejected() throws Exception {
    Path idx = index("\"x\":\"../elsewhere.safetensors\"");
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(idx.toString(), "outside the folder");
  }

  @Test void missingShardAndBadJsonAreUserErrors() throws Exception {
    Path idx = index("\"x\":\"model-00009.safetensors\"");
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll("model-00009.safetensors", "no such file");
    Files.writeString(idx, "{\"weight_map\": [");
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(idx.toString(), "not a valid JSON index");
    Files.writeString(idx, "{\"weight_map\": 3}");
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(idx.toString(), "weight_map");
  }

  @Test void brokenShardIsReportedWithItsOwnName() throws Exception {
    Path idx = index(MAP);
    Path shard = dir.resolve("model-00002-of-00002.safetensors");
    Files.write(shard, new byte[] {9, 9});
    assertThatThrownBy(() -> ShardedSafeTensors.open(idx)).isInstanceOf(DualprocException.class)
        .hasMessageStartingWith(shard + ": truncated");
  }
}
