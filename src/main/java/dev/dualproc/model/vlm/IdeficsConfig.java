package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Path;

/** config.json of an Idefics2 or Idefics3/SmolVLM snapshot, with the transformers defaults for absent fields. */
public record IdeficsConfig(VlmFamily family, int imageTokenId, boolean tieWordEmbeddings, int scaleFactor,
    VisionConfig vision, TextConfig text, PerceiverConfig perceiver) {

  /** Image tokens per image: the perceiver latents (Idefics2) or the pixel-shuffled patch grid (Idefics3). */
  public int imageSeqLen() {
    if (family == VlmFamily.IDEFICS2) return perceiver.resamplerNLatents();
    int side = vision.patchesPerSide();
    return side * side / (scaleFactor * scaleFactor);
  }

  /** True when the output projection is the input embedding (flag set, or no lm_head in the checkpoint). */
  public boolean tiedFor(boolean checkpointHasLmHead) {
    boolean flag = text.tieWordEmbeddings() != null ? text.tieWordEmbeddings() || tieWordEmbeddings : tieWordEmbeddings;
    return flag || !checkpointHasLmHead;
  }

  public static IdeficsConfig read(Path configJson) {
    JsonConfig c = JsonConfig.read(configJson);
    VlmFamily family = VlmFamily.ofModelType(c.string("model_type", null), c.where);
    boolean v3 = family == VlmFamily.IDEFICS3;
    TextConfig text = TextConfig.read(c.requireChild("text_config"), v3 ? "llama" : "mistral");
    VisionConfig vision = VisionConfig.read(c.requireChild("vision_config"), family);
    PerceiverConfig perceiver = v3 ? null : PerceiverConfig.read(c.child("perceiver_config"), text);
    int scale = v3 ? c.positive("scale_factor", 2) : 1;
    if (v3 && vision.patchesPerSide() % scale != 0)
      throw new DualprocException(c.where + ": vision_config image_size/patch_size = " + vision.patchesPerSide() + " is not a multiple of scale_factor " + scale);
    int imageToken = c.integer("image_token_id", v3 ? 128257 : 32001);
    if (imageToken < 0 || imageToken >= text.vocabSize())
      throw new DualprocException(c.where + ": image_token_id " + imageToken + " is outside the text vocabulary (vocab_size " + text.vocabSize() + ")");
    return new IdeficsConfig(family, imageToken, c.bool("tie_word_embeddings", false), scale, vision, text, perceiver);
  }
}
