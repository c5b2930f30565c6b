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

class T5EncoderTest {
  @TempDir static Path dir;
  static T5Encoder t5;

  @BeforeAll static void write() {
    TinyTextModels.writeT5(dir.resolve("t5"), 11);
    t5 = T5Encoder.load(dir.resolve("t5"), Placement.cpu());
  }

  @Test void aBatchOfRowsEncodesEachRowAsAlone() {
    long[] a = {5, 9, 17, 1, 0, 0}, b = {44, 8, 1, 0, 0, 0};
    Tensor both = t5.encode(new long[][] {a, b});
    assertThat(Tensors.shape(both)).containsExactly(2, a.length, TinyTextModels.D_MODEL);
    assertThat(Tensors.maxAbsDiff(both.select(0, 0), t5.encode(a).select(0, 0))).isLessThan(1e-5);
    assertThat(Tensors.maxAbsDiff(both.select(0, 1), t5.encode(b).select(0, 0))).isLessThan(1e-5);
    assertThatThrownBy(() -> t5.encode(new long[][] {a, {1, 2}})).hasMessageContaining("row 1 has 2 ids");
  }

  /**
   * Bidirectional, 32 buckets, max_distance 128: 16 buckets per direction (keys after the query add 16); distances
   * below 8 are their own bucket, larger ones 8 + floor(8 * ln(d / 8) / ln(16)), at most 15. Worked by hand:
   * d=12: 8 * 0.4055 / 2.7726 = 1.17 -> 9; d=13: 1.40 -> 9; d=16: 2 -> 10; d=20: 2.64 -> 10; d=32: 4 -> 12;
   * d=50: 5.29 -> 13; d=64: 6 -> 14; d=100: 7.29 -> 15; d=127: 7.98 -> 15; d=128: 8 -> 16, capped at 15.
   */
  @Test void relativePositionBucketsMatchHandComputedValues() {
    long[] keyMinusQuery = {0, -1, 1, -7, 7, -8, 8, -9, -11, -12, -13, 13, -16, 16, 20, -32, -50, 64, -100, -127, -128, 128, -500, 500};
    long[] expected =      {0, 1, 17, 7, 23, 8, 24, 8, 8, 9, 9, 25, 10, 26, 26, 12, 13, 30, 15, 15, 15, 31, 15, 31};
    Tensor buckets = T5Encoder.relativePositionBucket(Tensors.fromLongs(keyMinusQuery, keyMinusQuery.length), true, 32, 128);
    assertThat(Tensors.longs(buckets)).containsExactly(expected);
  }

  @Test void positionBiasLooksUpTheBucketOfKeyMinusQuery() {
    int L = 12, heads = TinyTextModels.HEADS;
    float[] bias = Tensors.floats(t5.positionBias(L));              // [1, heads, L, L]
    float[] table = Tensors.floats(t5.relative_attention_bias);     // [32, heads]
    int[][] queryKeyBucket = {{0, 0, 0}, {0, 3, 19}, {3, 0, 3}, {0, 11, 24}, {11, 0, 8}, {2, 11, 24}, {11, 2, 8}};
    for (int[] qkb : queryKeyBucket)
      for (int h = 0; h < heads; h++)
        assertThat(bias[(h * L + qkb[0]) * L + qkb[1]]).as("query %d key %d head %d", qkb[0], qkb[1], h).isEqualTo(table[qkb[2] * heads + h]);
  }

  /** T5 norm: x / sqrt(mean(x^2) + eps) * w, no mean taken away and no bias. */
  @Test void rmsNormByHand() {
    Tensor y = T5Encoder.rmsNorm(Tensors.fromFloats(new float[] {3, 4}, 1, 2), Tensors.fromFloats(new float[] {1, 2}, 2), 0);
    assertThat(Tensors.floats(y)).containsExactly(new float[] {(float) (3 / Math.sqrt(12.5)), (float) (8 / Math.sqrt(12.5))},
        org.assertj.core.data.Offset.offset(1e-6f));
    Tensor ones = T5Encoder.rmsNorm(Tensors.fromFloats(new float[] {1, 1, 1}, 1, 3), Tensors.fromFloats(new float[] {1, 2, 3}, 3), 1e-6);
    assertThat(Tensors.floats(ones)).as("a constant row stays (a LayerNorm would give zeros)")
        .containsExactly(new float[] {1, 2, 3}, org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test void tinyModelRoundTripIsDeterministicWithTheRightShape() throws IOException {
    long[] ids = {4, 31, 6, 4, 152, 1, 0, 0};
    Tensor a = t5.encode(ids);
    assertThat(Tensors.shape(a)).containsExactly(1, ids.length, TinyTextModels.D_MODEL);
    assertThat(Tensors.maxAbsDiff(a, t5.encode(ids))).isZero();
    T5Encoder again = T5Encoder.load(dir.resolve("t5"), Placement.cpu());
    assertThat(Tensors.maxAbsDiff(a, again.encode(ids))).isZero();
    assertThat(t5.loadReport.unmatched()).isEmpty();
    assertThat(t5.loadReport.matched()).contains("encoder.block.1.layer.1.DenseReluDense.wi_0.weight", "shared.weight");

    TinyTextModels.writeT5(dir.resolve("t5-same"), 11);
    TinyTextModels.writeT5(dir.resolve("t5-other"), 12);
    assertThat(Files.readAllBytes(dir.resolve("t5-same/model.safetensors"))).isEqualTo(Files.readAllBytes(dir.resolve("t5/model.safetensors")));
    assertThat(Files.readAllBytes(dir.resolve("t5-other/model.safetensors"))).isNotEqualTo(Files.readAllBytes(dir.resolve("t5/model.safetensors")));
    assertThat(Tensors.maxAbsDiff(a, T5Encoder.load(dir.resolve("t5-other"), Placement.cpu()).encode(ids))).isGreaterThan(1e-3);
  }

  /** The whole forward pass, written out with loops from transformers' T5 (gated gelu_new, unscaled scores). */
  @Test void forwardMatchesAPlainLoopImplementation() {
    long[] ids = {4, 31, 6, 4, 152, 1, 0, 0, 0, 0, 0, 0}; // 12 positions: buckets past the exact ones are used
    T5Config c = t5.config;
    double[][] h;
    try (TensorSource src = TensorSources.open(dir.resolve("t5"))) {
      h = rows(matrix(src, "shared.weight"), ids);
      double[][] table = matrix(src, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
      double[][][] bias = new double[c.numHeads()][ids.length][ids.length];
      for (int head = 0; head < c.numHeads(); head++)
        for (int i = 0; i < ids.length; i++)
          for (int j = 0; j < ids.length; j++) bias[head][i][j] = table[bucket(j - i)][head];
      for (int b = 0; b < c.numLayers(); b++) {
        String p = "encoder.block." + b + ".layer.";
        double[][] x = rms(h, vector(src, p + "0.layer_norm.weight"), c.layerNormEpsilon());
        double[][] q = linear(x, matrix(src, p + "0.SelfAttention.q.weight"), null);
        double[][] k = linear(x, matrix(src, p + "0.SelfAttention.k.weight"), null);
        double[][] v = linear(x, matrix(src, p + "0.SelfAttention.v.weight"), null);
        h = add(h, linear(attention(q, k, v, c.numHeads(), 1.0, bias), matrix(src, p + "0.SelfAttention.o.weight"), null));
        x = rms(h, vector(src, p + "1.layer_norm.weight"), c.layerNormEpsilon());
        double[][] gate = map(linear(x, matrix(src, p + "1.DenseReluDense.wi_0.weight"), null),
            z -> 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))));
        double[][] up = linear(x, matrix(src, p + "1.DenseReluDense.wi_1.weight"), null);
        h = add(h, linear(mul(gate, up), matrix(src, p + "1.DenseReluDense.wo.weight"), null));
      }
      h = rms(h, vector(src, "encoder.final_layer_norm.weight"), c.layerNormEpsilon());
    }
    assertThat(maxRelativeError(Tensors.floats(t5.encode(ids)), h)).isLessThan(1e-5);
  }

  @Test void paddingMaskedOutLeavesTheTokensAsWithoutPadding() {
    long[] tokens = {4, 31, 6, 1};
    long[] padded = {4, 31, 6, 1, 0, 0, 0, 0};
    long[] mask = {1, 1, 1, 1, 0, 0, 0, 0};
    float[] alone = Tensors.floats(t5.encode(tokens));
    float[] masked = Arrays.copyOf(Tensors.floats(t5.encode(padded, mask)), alone.length);
    float[] unmasked = Arrays.copyOf(Tensors.floats(t5.encode(padded)), alone.length);
    assertThat(masked).containsExactly(alone, org.assertj.core.data.Offset.offset(1e-5f));
    // FLUX passes no mask: padding then takes part in attention, so the token states differ
    assertThat(maxDiff(unmasked, alone)).isGreaterThan(1e-3);
  }

  @Test void badInputIsAnErrorNamingWhatIsWrong() throws IOException {
    assertThatThrownBy(() -> t5.encode(new long[] {4, 100000})).isInstanceOf(DualprocException.class).hasMessageContaining("100000");
    Path noConfig = Files.createDirectories(dir.resolve("no-config"));
    Files.copy(dir.resolve("t5/model.safetensors"), noConfig.resolve("model.safetensors"));
    assertThatThrownBy(() -> T5Encoder.load(noConfig, Placement.cpu())).isInstanceOf(DualprocException.class).hasMessageContaining("config.json");
    Path wide = Files.createDirectories(dir.resolve("wide"));
    Files.copy(dir.resolve("t5/model.safetensors"), wide.resolve("model.safetensors"));
    Files.writeString(wide.resolve("config.json"), Files.readString(dir.resolve("t5/config.json")).replace("\"d_model\" : 32", "\"d_model\" : 48"));
    assertThatThrownBy(() -> T5Encoder.load(wide, Placement.cpu())).isInstanceOf(DualprocException.class)
        .hasMessageContaining("shared.weight").hasMessageContaining("[" + t5.config.vocabSize() + ", 32]");
  }

  static int bucket(int rel) {
    int b = rel > 0 ? 16 : 0, d = Math.abs(rel);
    return b + (d < 8 ? d : Math.min(15, 8 + (int) Math.floor(8 * Math.log(d / 8.0) / Math.log(16))));
  }

  static double[][] rms(double[][] x, double[] w, double eps) {
    double[][] y = new double[x.length][x[0].length];
    for (int i = 0; i < x.length; i++) {
      double ms = 0;
      for (double v : x[i]) ms += v * v;
      double r = 1 / Math.sqrt(ms / x[i].length + eps);
      for (int j = 0; j < w.length; j++) y[i][j] = x[i][j] * r * w[j];
    }
    return y;
  }

  static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }
}
