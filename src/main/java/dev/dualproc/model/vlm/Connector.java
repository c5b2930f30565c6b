package dev.dualproc.model.vlm;

import org.bytedeco.pytorch.Tensor;

/** Maps the vision tower's patch states to image-token embeddings of the text model. */
interface Connector {
  /** [B, patches, vision hidden] -> [B, image_seq_len, text hidden]. */
  Tensor forward(Tensor imageHiddenStates);
}
