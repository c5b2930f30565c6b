package dev.dualproc.model.text;

import java.nio.file.Path;

/**
 * The encoder half of transformers' T5Config, read from config.json by its field names. Dimensions are required;
 * the rest take T5Config's defaults (old v1.1 configs lack relative_attention_max_distance, for instance).
 */
public record T5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numHeads,
                       int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, double layerNormEpsilon,
                       String feedForwardProj, Activation denseAct, boolean gatedAct) {

  public static T5Config read(Path configJson) { return from(ConfigJson.read(configJson)); }

  static T5Config from(ConfigJson c) {
    String proj = c.optString("feed_forward_proj", "relu");
    String[] parts = proj.split("-");
    boolean gated = parts.length == 2 && parts[0].equals("gated");
    if (parts.length > 2 || (parts.length == 2 && !gated))
      throw c.error("feed_forward_proj", "expected 'ACT' or 'gated-ACT', got '" + proj + "'");
    // T5Config maps "gated-gelu" to the tanh approximation (gelu_new); an explicit dense_act_fn / is_gated_act wins
    String act = proj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1];
    String actField = c.has("dense_act_fn") ? "dense_act_fn" : "feed_forward_proj";
    act = c.optString("dense_act_fn", act);
    Boolean isGated = c.optBoolean("is_gated_act");
    return new T5Config(
        c.requireInt("vocab_size"), c.requireInt("d_model"), c.optInt("d_kv", 64), c.requireInt("d_ff"),
        c.requireInt("num_layers"), c.requireInt("num_heads"),
        c.optInt("relative_attention_num_buckets", 32), c.optInt("relative_attention_max_distance", 128),
        c.optPositiveDouble("layer_norm_epsilon", 1e-6), proj, Activation.parse(c.file, actField, act),
        isGated != null ? isGated : gated);
  }

  /** Width of the concatenated heads (num_heads * d_kv, which need not equal d_model). */
  public int innerDim() { return numHeads * dKv; }
}
