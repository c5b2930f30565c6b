package dev.dualproc.model.text;

import java.nio.file.Path;

/**
 * transformers' CLIPTextConfig read from config.json (a CLIPTextModel folder, or the text_config of a full CLIPModel).
 * Dimensions are required; the rest take CLIPTextConfig's defaults.
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numAttentionHeads,
                             int numHiddenLayers, int maxPositionEmbeddings, Activation hiddenAct, double layerNormEps,
                             long eosTokenId) {
  /** Legacy configs (openai/clip-vit-large-patch14, FLUX's text_encoder) carry eos_token_id 2: pool at argmax(ids). */
  public static final long LEGACY_EOS_TOKEN_ID = 2;

  public static ClipTextConfig read(Path configJson) {
    ConfigJson c = ConfigJson.read(configJson);
    if (c.root.has("text_config") && c.root.get("text_config").isObject()) c = c.child("text_config");
    return new ClipTextConfig(
        c.requireInt("vocab_size"), c.requireInt("hidden_size"), c.requireInt("intermediate_size"),
        c.requireInt("num_attention_heads"), c.requireInt("num_hidden_layers"), c.optInt("max_position_embeddings", 77),
        Activation.parse(c.file, "hidden_act", c.optString("hidden_act", "quick_gelu")),
        c.optPositiveDouble("layer_norm_eps", 1e-5), c.optLong("eos_token_id", 49407));
  }

  public int headDim() { return hiddenSize / numAttentionHeads; }

  /** Whether pooling uses argmax(ids) (the legacy rule) rather than the first eos_token_id. */
  public boolean legacyEos() { return eosTokenId == LEGACY_EOS_TOKEN_ID; }
}
