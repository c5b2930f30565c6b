package dev.dualproc.model.text;

import static dev.dualproc.model.text.PlainMath.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTextModelTest {
  @TempDir static Path dir;
  static ClipTextModel clip;
  static long bos, eos;

  @BeforeAll static void write() {
    TinyTextModels.writeClip(dir.resolve("clip"), 21);
    clip = ClipTextModel.load(dir.resolve("clip"), Placement.cpu());
    bos = 2 * 256 + TinyTextModels.CLIP_MERGES;
    eos = bos + 1;
  }

  @Test void changingALaterTokenLeavesEarlierStatesAlone() {
    long[] a = {bos, 320, 662, 586, 320, 880, eos, eos};
    long[] b = a.clone();
    b[4] = 727;
    int h = TinyTextModels.D_MODEL;
    float[] ha = Tensors.floats(clip.lastHidden(a)), hb = Tensors.floats(clip.lastHidden(b));
    assertThat(Arrays.copyOf(hb, 4 * h)).as("positions 0..3 see only themselves and earlier tokens")
        .containsExactly(Arrays.copyOf(ha, 4 * h), org.assertj.core.data.Offset.offset(1e-6f));
    for (int pos = 4; pos < a.length; pos++)
      assertThat(T5EncoderTest.maxDiff(Arrays.copyOfRange(ha, pos * h, (pos + 1) * h), Arrays.copyOfRange(hb, pos * h, (pos + 1) * h)))
          .as("position %d sees the changed token", pos).isGreaterThan(1e-4);
  }

  @Test void aBatchPoolsEachRowAtItsOwnEos() {
    long[] a = {bos, 320, 662, eos, eos, eos}, b = {bos, 880, 727, 586, 320, eos};
    Tensor pooled = clip.pooled(new long[][] {a, b});
    assertThat(Tensors.shape(pooled)).containsExactly(2, TinyTextModels.D_MODEL);
    assertThat(Tensors.maxAbsDiff(pooled.select(0, 0), clip.pooled(a).select(0, 0))).isLessThan(1e-5);
    assertThat(Tensors.maxAbsDiff(pooled.select(0, 1), clip.pooled(b).select(0, 0))).isLessThan(1e-5);
  }

  @Test void pooledIsTheStateAtTheFirstEos() {
    long[] ids = {bos, 320, 662, eos, eos, eos, eos};
    assertThat(clip.config.eosTokenId()).isEqualTo(eos);
    assertThat(clip.eosPosition(ids)).isEqualTo(3);
    Tensor pooled = clip.pooled(ids);
    assertThat(Tensors.shape(pooled)).containsExactly(1, TinyTextModels.D_MODEL);
    assertThat(Tensors.maxAbsDiff(pooled, clip.lastHidden(ids).select(1, 3))).isZero();
    assertThat(Tensors.maxAbsDiff(pooled, clip.lastHidden(ids).select(1, 4))).as("a later eos differs").isGreaterThan(1e-4);
  }

  @Test void eosPositionRules() {
    long[] ids = {7, 5, 9, 5};
    assertThat(ClipTextModel.eosPosition(ids, 5)).as("first eos_token_id").isEqualTo(1);
    assertThat(ClipTextModel.eosPosition(ids, ClipTextConfig.LEGACY_EOS_TOKEN_ID)).as("legacy config: argmax of ids").isEqualTo(2);
    assertThat(ClipTextModel.eosPosition(new long[] {3, 9, 9}, 2)).as("argmax takes the first of equal ids").isEqualTo(1);
    assertThat(ClipTextModel.eosPosition(new long[] {49406, 320, 49407, 49407}, 2)).isEqualTo(2);
    assertThat(ClipTextModel.eosPosition(new long[] {3, 4}, 5)).as("no eos: position 0, as argmax of a zero row").isZero();
  }

  @Test void legacyConfigPoolsAtTheLargestId() throws IOException {
    Path legacy = Files.createDirectories(dir.resolve("legacy"));
    Files.copy(dir.resolve("clip/model.safetensors"), legacy.resolve("model.safetensors"));
    Files.writeString(legacy.resolve("config.json"),
        Files.readString(dir.resolve("clip/config.json")).replace("\"eos_token_id\" : " + eos, "\"eos_token_id\" : 2"));
    ClipTextModel m = ClipTextModel.load(legacy, Placement.cpu());
    assertThat(m.config.legacyEos()).isTrue();
    long[] ids = {bos, 320, 662, 1000, 5};
    assertThat(m.eosPosition(ids)).isZero(); // bos is the largest id here
    assertThat(Tensors.maxAbsDiff(m.pooled(ids), m.lastHidden(ids).select(1, 0))).isZero();
  }

  /** The forward pass written out with loops from transformers' CLIP text model (pre-LN, causal, quick_gelu). */
  @Test void forwardMatchesAPlainLoopImplementation() {
    long[] ids = {bos, 320, 662, 586, 320, 880, eos, eos, eos};
    ClipTextConfig c = clip.config;
    int L = ids.length;
    double[][] h;
    try (TensorSource src = TensorSources.open(dir.resolve("clip"))) {
      String e = "text_model.embeddings.";
      h = add(rows(matrix(src, e + "token_embedding.weight"), ids), Arrays.copyOf(matrix(src, e + "position_embedding.weight"), L));
      double[][][] causal = new double[c.numAttentionHeads()][L][L];
      for (double[][] head : causal) for (int i = 0; i < L; i++) for (int j = i + 1; j < L; j++) head[i][j] = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < c.numHiddenLayers(); l++) {
        String p = "text_model.encoder.layers." + l + ".";
        double[][] x = layerNorm(h, vector(src, p + "layer_norm1.weight"), vector(src, p + "layer_norm1.bias"), c.layerNormEps());
        double[][] q = linear(x, matrix(src, p + "self_attn.q_proj.weight"), vector(src, p + "self_attn.q_proj.bias"));
        double[][] k = linear(x, matrix(src, p + "self_attn.k_proj.weight"), vector(src, p + "self_attn.k_proj.bias"));
        double[][] v = linear(x, matrix(src, p + "self_attn.v_proj.weight"), vector(src, p + "self_attn.v_proj.bias"));
        double[][] attn = attention(q, k, v, c.numAttentionHeads(), 1 / Math.sqrt(c.headDim()), causal);
        h = add(h, linear(attn, matrix(src, p + "self_attn.out_proj.weight"), vector(src, p + "self_attn.out_proj.bias")));
        x = layerNorm(h, vector(src, p + "layer_norm2.weight"), vector(src, p + "layer_norm2.bias"), c.layerNormEps());
        double[][] mid = map(linear(x, matrix(src, p + "mlp.fc1.weight"), vector(src, p + "mlp.fc1.bias")), z -> z / (1 + Math.exp(-1.702 * z)));
        h = add(h, linear(mid, matrix(src, p + "mlp.fc2.weight"), vector(src, p + "mlp.fc2.bias")));
      }
      h = layerNorm(h, vector(src, "text_model.final_layer_norm.weight"), vector(src, "text_model.final_layer_norm.bias"), c.layerNormEps());
    }
    assertThat(maxRelativeError(Tensors.floats(clip.lastHidden(ids)), h)).isLessThan(1e-5);
    assertThat(maxRelativeError(Tensors.floats(clip.pooled(ids)), new double[][] {h[6]})).isLessThan(1e-5);
  }

  @Test void tinyModelRoundTripIsDeterministicWithTheRightShape() {
    long[] ids = new long[TinyTextModels.CLIP_MAX_POSITIONS];
    Arrays.fill(ids, eos);
    ids[0] = bos; ids[1] = 320; ids[2] = 662;
    Tensor last = clip.lastHidden(ids);
    assertThat(Tensors.shape(last)).containsExactly(1, 77, TinyTextModels.D_MODEL);
    assertThat(Tensors.maxAbsDiff(last, clip.lastHidden(ids))).isZero();
    ClipTextModel again = ClipTextModel.load(dir.resolve("clip"), Placement.cpu());
    assertThat(Tensors.maxAbsDiff(clip.pooled(ids), again.pooled(ids))).isZero();
    assertThat(clip.loadReport.unmatched()).isEmpty();
    assertThat(clip.loadReport.matched()).contains("text_model.encoder.layers.1.mlp.fc2.bias", "text_model.final_layer_norm.weight");
  }

  @Test void fullClipModelConfigIsReadFromTextConfig() throws IOException {
    Path f = dir.resolve("full-config.json");
    Files.writeString(f, "{\"model_type\": \"clip\", \"text_config\": " + Files.readString(dir.resolve("clip/config.json"))
        + ", \"vision_config\": {\"hidden_size\": 1024}}");
    assertThat(ClipTextConfig.read(f)).isEqualTo(clip.config);
  }

  @Test void badInputIsAnErrorNamingWhatIsWrong() {
    long[] tooLong = new long[78];
    Arrays.fill(tooLong, 320);
    assertThatThrownBy(() -> clip.lastHidden(tooLong)).isInstanceOf(DualprocException.class).hasMessageContaining("max_position_embeddings 77");
    assertThatThrownBy(() -> clip.pooled(new long[] {bos, 5000})).isInstanceOf(DualprocException.class).hasMessageContaining("5000");
  }

  static double[][] layerNorm(double[][] x, double[] w, double[] b, double eps) {
    double[][] y = new double[x.length][x[0].length];
    for (int i = 0; i < x.length; i++) {
      double mean = 0, var = 0;
      for (double v : x[i]) mean += v / x[i].length;
      for (double v : x[i]) var += (v - mean) * (v - mean) / x[i].length;
      for (int j = 0; j < w.length; j++) y[i][j] = (x[i][j] - mean) / Math.sqrt(var + eps) * w[j] + b[j];
    }
    return y;
  }
}
