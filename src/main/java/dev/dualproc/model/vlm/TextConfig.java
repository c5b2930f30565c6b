package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;

/** The Mistral or Llama decoder (config.json "text_config", transformers field names). */
public record TextConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
    int numAttentionHeads, int numKeyValueHeads, int headDim, String hiddenAct, double rmsNormEps, double ropeTheta,
    RopeScaling ropeScaling, int slidingWindow, boolean attentionBias, boolean mlpBias, Boolean tieWordEmbeddings) {

  public TextConfig {
    if (numAttentionHeads % numKeyValueHeads != 0)
      throw new IllegalArgumentException("text_config: num_attention_heads " + numAttentionHeads + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
  }

  /** RoPE frequency scaling: "default" (none), "linear" or "llama3" (Llama 3.1 style). */
  public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0);
  }

  /** Defaults are those of MistralConfig / LlamaConfig; sliding_window 0 means none. */
  static TextConfig read(JsonConfig c, String defaultModelType) {
    String type = c.string("model_type", defaultModelType);
    boolean mistral = switch (type) {
      case "mistral" -> true;
      case "llama" -> false;
      default -> throw new DualprocException(c.where + ": model_type '" + type + "' is not a supported decoder (expected mistral or llama)");
    };
    int hidden = c.positive("hidden_size", 4096);
    int heads = c.positive("num_attention_heads", 32);
    int kv = c.has("num_key_value_heads") ? c.positive("num_key_value_heads", null) : (mistral ? 8 : heads);
    int headDim = c.has("head_dim") ? c.positive("head_dim", null) : hidden / heads;
    RopeScaling rope = readRope(c);
    // Mistral's default window is 4096; an explicit null turns it off; Llama has none
    boolean windowOff = !mistral || (c.node.has("sliding_window") && c.node.get("sliding_window").isNull());
    int window = windowOff ? 0 : c.positive("sliding_window", 4096);
    double theta = c.has("rope_theta") ? c.number("rope_theta", null) : c.child("rope_parameters").number("rope_theta", 10000.0);
    return new TextConfig(type, c.positive("vocab_size", 32000), hidden, c.positive("intermediate_size", mistral ? 14336 : 11008),
        c.positive("num_hidden_layers", 32), heads, kv, headDim, c.string("hidden_act", "silu"), c.number("rms_norm_eps", 1e-6),
        theta, rope, window, c.bool("attention_bias", false), c.bool("mlp_bias", false),
        c.has("tie_word_embeddings") ? c.bool("tie_word_embeddings", null) : null);
  }

  private static RopeScaling readRope(JsonConfig c) {
    String key = c.has("rope_scaling") ? "rope_scaling" : c.has("rope_parameters") ? "rope_parameters" : null;
    if (key == null) return RopeScaling.NONE;
    JsonConfig r = c.child(key);
    String type = r.has("rope_type") ? r.string("rope_type", null) : r.string("type", "default");
    return switch (type) {
      case "default" -> RopeScaling.NONE;
      case "linear" -> new RopeScaling("linear", r.number("factor", null), 1, 1, 0);
      case "llama3" -> new RopeScaling("llama3", r.number("factor", null), r.number("low_freq_factor", null),
          r.number("high_freq_factor", null), r.positive("original_max_position_embeddings", null));
      default -> throw new DualprocException(r.where + ": rope type '" + type + "' is not supported (default, linear, llama3)");
    };
  }
}
