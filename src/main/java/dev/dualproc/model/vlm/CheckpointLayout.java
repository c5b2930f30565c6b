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

  /** Known layouts per family, tried in order; the first whose token embedding is present wins. */
  public static final Map<VlmFamily, List<CheckpointLayout>> KNOWN = Map.of(
      VlmFamily.IDEFICS2, List.of(new CheckpointLayout("model.vision_model", "model.connector", "model.text_model", "lm_head")),
      VlmFamily.IDEFICS3, List.of(new CheckpointLayout("model.vision_model", "model.connector", "model.text_model", "lm_head")));

  public String embedTokensKey() { return textModel + ".embed_tokens.weight"; }
  public String lmHeadKey() { return lmHead + ".weight"; }

  public static CheckpointLayout detect(VlmFamily family, TensorSource source) {
    for (CheckpointLayout l : KNOWN.get(family)) if (source.contains(l.embedTokensKey())) return l;
    throw new DualprocException(source.origin() + ": no " + family.modelType + " checkpoint layout matches (looked for "
        + KNOWN.get(family).stream().map(CheckpointLayout::embedTokensKey).toList() + ")");
  }
}
