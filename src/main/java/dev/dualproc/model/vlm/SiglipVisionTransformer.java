package dev.dualproc.model.vlm;

import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Idefics2/Idefics3 vision_model: embeddings, encoder.layers.N, post_layernorm (SigLIP without its pooling head). */
final class SiglipVisionTransformer {
  final SiglipVisionEmbeddings embeddings;
  final List<SiglipEncoderLayer> layers = new ArrayList<>();
  final LayerNorm post_layernorm;
  final VisionConfig config;

  SiglipVisionTransformer(Weights w, VisionConfig c) {
    config = c;
    embeddings = new SiglipVisionEmbeddings(w.scope("embeddings"), c);
    Weights enc = w.scope("encoder").scope("layers");
    for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new SiglipEncoderLayer(enc.scope(i), c));
    post_layernorm = LayerNorm.load(w, "post_layernorm", c.hiddenSize(), c.layerNormEps());
  }

  /** pixel_values [B, 3, H, W], already normalised -> last_hidden_state [B, patches, hidden]. */
  Tensor forward(Tensor pixelValues) {
    Tensor h = embeddings.forward(pixelValues);
    for (SiglipEncoderLayer l : layers) h = l.forward(h);
    return post_layernorm.forward(h);
  }
}
