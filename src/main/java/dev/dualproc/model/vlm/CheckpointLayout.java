package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.TensorSource;
import java.util.List;
import java.util.Map;

/**
 * Where each part of an Idefics model sits in a checkpoint: the key prefixes transformers saves
 * (Idefics2ForConditionalGeneration / Idefics3ForConditionalGeneration: `model.vision_model.*`, `model.connector.*`,
 * `model.text_model.*`, `lm_head.weight`). Module fields below these prefixes are named as the checkpoint keys.
 */
public record CheckpointLayout(String visionModel, String connector, String textModel, String lmHead) {

  /** What *ForConditionalGeneration.save_pretrained writes (Idefics2-8b, Idefics3-8B, SmolVLM). */
  public static final CheckpointLayout FOR_CONDITIONAL_GENERATION =
      new CheckpointLayout("model.vision_model", "model.connector", "model.text_model", "lm_head");
  /** What the bare Idefics2Model / Idefics3Model writes (no head: lm_head falls back to the tied embedding). */
  public static final CheckpointLayout BASE_MODEL = new CheckpointLayout("vision_model", "connector", "text_model", "lm_head");

  /** Known layouts per family, tried in order; the first whose token embedding is present wins. */
  public static final Map<VlmFamily, List<CheckpointLayout>> KNOWN = Map.of(
      VlmFamily.IDEFICS2, List.of(FOR_CONDITIONAL_GENERATION, BASE_MODEL),
      VlmFamily.IDEFICS3, List.of(FOR_CONDITIONAL_GENERATION, BASE_MODEL));

  public String embedTokensKey() { return textModel + ".embed_tokens.weight"; }
  public String lmHeadKey() { return lmHead + ".weight"; }

  public static CheckpointLayout detect(VlmFamily family, TensorSource source) {
    for (CheckpointLayout l : KNOWN.get(family)) if (source.contains(l.embedTokensKey())) return l;
    throw new DualprocException(source.origin() + ": no " + family.modelType + " checkpoint layout matches (looked for "
        + KNOWN.get(family).stream().map(CheckpointLayout::embedTokensKey).toList() + ")");
  }
}
