package dev.dualproc.model.vlm;

/** The Idefics2 perceiver resampler (config.json "perceiver_config"). */
public record PerceiverConfig(int hiddenSize, String hiddenAct, double rmsNormEps, int resamplerNLatents,
    int resamplerDepth, int resamplerNHeads, int resamplerHeadDim, int numKeyValueHeads) {

  public PerceiverConfig {
    if (resamplerNHeads % numKeyValueHeads != 0)
      throw new IllegalArgumentException("perceiver_config: resampler_n_heads " + resamplerNHeads + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
  }

  /**
   * Defaults of Idefics2PerceiverConfig; like Idefics2Config, a hidden_size that differs from the text model's is
   * replaced by the text model's, together with its rms_norm_eps.
   */
  static PerceiverConfig read(JsonConfig c, TextConfig text) {
    int hidden = c.positive("hidden_size", 4096);
    double eps = c.number("rms_norm_eps", 1e-6);
    if (hidden != text.hiddenSize()) { hidden = text.hiddenSize(); eps = text.rmsNormEps(); }
    return new PerceiverConfig(hidden, c.string("hidden_act", "silu"), eps,
        c.positive("resampler_n_latents", 64), c.positive("resampler_depth", 3), c.positive("resampler_n_heads", 16),
        c.positive("resampler_head_dim", 96), c.positive("num_key_value_heads", 4));
  }
}
