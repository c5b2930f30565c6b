package dev.dualproc.model.vlm;

/** The SigLIP vision tower of Idefics2/Idefics3 (config.json "vision_config", transformers field names). */
public record VisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
    int numChannels, int imageSize, int patchSize, String hiddenAct, double layerNormEps) {

  public VisionConfig {
    if (hiddenSize % numAttentionHeads != 0)
      throw new IllegalArgumentException("vision_config: hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
  }

  /** Patches per side of the trained input size, which is also the side of the position-embedding grid. */
  public int patchesPerSide() { return imageSize / patchSize; }

  public int headDim() { return hiddenSize / numAttentionHeads; }

  /** Defaults are those of Idefics2VisionConfig / Idefics3VisionConfig. */
  static VisionConfig read(JsonConfig c, VlmFamily family) {
    boolean v3 = family == VlmFamily.IDEFICS3;
    return new VisionConfig(
        c.positive("hidden_size", v3 ? 1152 : 768),
        c.positive("intermediate_size", 3072),
        c.positive("num_hidden_layers", 12),
        c.positive("num_attention_heads", v3 ? 16 : 12),
        c.positive("num_channels", 3),
        c.positive("image_size", 224),
        c.positive("patch_size", 32),
        c.string("hidden_act", "gelu_pytorch_tanh"),
        c.number("layer_norm_eps", 1e-6));
  }
}
