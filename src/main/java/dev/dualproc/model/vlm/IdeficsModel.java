package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.masked_scatter;

/**
 * Idefics2ForConditionalGeneration / Idefics3ForConditionalGeneration: the vision tower and connector turn one image
 * into image_seq_len embeddings that replace the `<image>` token embeddings; the decoder and lm_head give logits.
 */
public final class IdeficsModel {
  public final IdeficsConfig config;
  final SiglipVisionTransformer vision_model;
  final Connector connector;
  final LlamaModel text_model;
  final Linear lm_head;
  final boolean tied;
  public final Weights.LoadReport report;
  private final java.util.Map<String, Tensor> tensors;

  public IdeficsModel(IdeficsConfig config, TensorSource source, Placement placement) {
    this.config = config;
    CheckpointLayout layout = CheckpointLayout.detect(config.family(), source);
    Weights w = new Weights(source, placement);
    vision_model = new SiglipVisionTransformer(w.scope(layout.visionModel()), config.vision());
    connector = config.family() == VlmFamily.IDEFICS2
        ? new Idefics2Connector(w.scope(layout.connector()), config)
        : new Idefics3Connector(w.scope(layout.connector()), config);
    text_model = new LlamaModel(w.scope(layout.textModel()), config.text());
    tied = config.tiedFor(source.contains(layout.lmHeadKey()));
    lm_head = tied ? new Linear(text_model.embed_tokens, null)
        : Linear.load(w, layout.lmHead(), config.text().hiddenSize(), config.text().vocabSize(), false);
    report = w.report();
    tensors = w.taken();
  }

  /**
   * Every weight by its checkpoint key, the tensors the modules compute with (a tied lm_head is not listed): set
   * requires_grad on them to train, write them with SafeTensorsWriter (plus the snapshot's json files) to save.
   */
  public java.util.Map<String, Tensor> tensors() { return tensors; }

  public boolean tiedEmbeddings() { return tied; }
  public ScalarType dtype() { return text_model.embed_tokens.scalar_type().intern(); }
  public org.bytedeco.pytorch.Device device() { return text_model.embed_tokens.device(); }

  /** pixel_values [1, 3, H, W] (normalised) -> image token embeddings [image_seq_len, text hidden]. */
  public Tensor imageFeatures(Tensor pixelValues) { return connect(visionHidden(pixelValues)); }

  /** pixel_values [B, 3, H, W] -> the vision tower's patch states [B, patches, vision hidden] (after post_layernorm). */
  public Tensor visionHidden(Tensor pixelValues) { return vision_model.forward(pixelValues.to(dtype())); }

  /** Patch states [B, patches, vision hidden] -> image token embeddings [B * image_seq_len, text hidden], in batch order. */
  public Tensor connect(Tensor visionHidden) {
    Tensor feats = connector.forward(visionHidden);
    return feats.reshape(-1, feats.size(2));
  }

  /** Token embeddings with the `<image>` positions replaced by the image features (differentiable in the features). */
  Tensor inputsEmbeds(long[] ids, Tensor imageFeatures) {
    Tensor idT = Tensors.fromLongs(ids, 1, ids.length).to(device(), ScalarType.Long);
    Tensor embeds = text_model.embed(idT);
    if (imageFeatures == null) return embeds;
    int count = 0;
    for (long id : ids) if (id == config.imageTokenId()) count++;
    if (count != imageFeatures.size(0))
      throw new DualprocException("the prompt has " + count + " <image> tokens but the image gives " + imageFeatures.size(0) + " embeddings");
    Tensor mask = idT.eq(new Scalar(config.imageTokenId())).unsqueeze(-1).expand_as(embeds);
    return masked_scatter(embeds, mask, imageFeatures.to(embeds.scalar_type()));
  }

  /** Final hidden states [1, L, D] for the tokens after the cache (pixels only on the first call; cache may be null). */
  public Tensor hiddenStates(long[] ids, Tensor pixelValues, KvCache cache) {
    return hiddenStatesFromFeatures(ids, pixelValues == null ? null : imageFeatures(pixelValues), cache);
  }

  /** As {@link #hiddenStates}, with the image already through the vision tower and connector (shared by several questions). */
  public Tensor hiddenStatesFromFeatures(long[] ids, Tensor imageFeatures, KvCache cache) {
    return text_model.forward(inputsEmbeds(ids, imageFeatures), cache);
  }

  /**
   * A batch for training: ids [B, L] (Long, right-padded: causal attention keeps padding from reaching real tokens),
   * image features [B * image_seq_len, D] in batch order (imageFeatures of [B, 3, H, W]) -> hidden states [B, L, D].
   */
  public Tensor hiddenStates(Tensor ids, Tensor imageFeatures) {
    Tensor idT = ids.to(device(), ScalarType.Long);
    Tensor embeds = text_model.embed(idT);
    Tensor isImage = idT.eq(new Scalar(config.imageTokenId()));
    long count = (long) Tensors.item(isImage.sum());
    if (count != imageFeatures.size(0))
      throw new DualprocException("the batch has " + count + " <image> tokens but the images give " + imageFeatures.size(0) + " embeddings");
    Tensor mask = isImage.unsqueeze(-1).expand_as(embeds);
    return text_model.forward(masked_scatter(embeds, mask, imageFeatures.to(embeds.scalar_type())), null);
  }

  /** Logits as transformers returns them (float32, or float64 for a float64 model). */
  public Tensor logits(Tensor hidden) {
    return lm_head.forward(hidden).to(Precision.upcast(dtype()));
  }

  public Tensor logits(long[] ids, Tensor pixelValues) { return logits(hiddenStates(ids, pixelValues, null)); }
}
