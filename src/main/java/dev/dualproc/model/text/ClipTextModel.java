package dev.dualproc.model.text;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import dev.dualproc.engine.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * CLIP's text transformer (transformers' CLIPTextModel, keys {@code text_model.*}, or without that prefix as transformers 5 saves them): token + learned position
 * embeddings, pre-LayerNorm blocks with causal self-attention and a quick-GELU MLP, a final LayerNorm. FLUX uses the
 * pooled output (the final hidden state at the EOS token, no projection) as its {@code vec} input.
 */
public final class ClipTextModel {
  public final ClipTextConfig config;
  public final Placement placement;
  public final Tensor token_embedding;     // text_model.embeddings.token_embedding.weight [vocab, hidden]
  public final Tensor position_embedding;  // text_model.embeddings.position_embedding.weight [positions, hidden]
  public final List<Layer> layers;
  public final Tensor final_layer_norm_weight, final_layer_norm_bias;
  public final Weights.LoadReport loadReport;

  /** text_model.encoder.layers.N */
  public static final class Layer {
    public final Linear q_proj, k_proj, v_proj, out_proj, fc1, fc2;
    public final Tensor layer_norm1_weight, layer_norm1_bias, layer_norm2_weight, layer_norm2_bias;

    Layer(Weights w, ClipTextConfig c) {
      int h = c.hiddenSize();
      Weights attn = w.scope("self_attn");
      q_proj = Linear.load(attn, "q_proj", h, h, true);
      k_proj = Linear.load(attn, "k_proj", h, h, true);
      v_proj = Linear.load(attn, "v_proj", h, h, true);
      out_proj = Linear.load(attn, "out_proj", h, h, true);
      layer_norm1_weight = w.get("layer_norm1.weight", h);
      layer_norm1_bias = w.get("layer_norm1.bias", h);
      fc1 = Linear.load(w.scope("mlp"), "fc1", h, c.intermediateSize(), true);
      fc2 = Linear.load(w.scope("mlp"), "fc2", c.intermediateSize(), h, true);
      layer_norm2_weight = w.get("layer_norm2.weight", h);
      layer_norm2_bias = w.get("layer_norm2.bias", h);
    }
  }

  private ClipTextModel(ClipTextConfig config, Weights root) {
    if (config.hiddenSize() % config.numAttentionHeads() != 0)
      throw new DualprocException("CLIP text config: hidden_size " + config.hiddenSize() + " is not divisible by num_attention_heads "
          + config.numAttentionHeads());
    this.config = config;
    this.placement = root.placement();
    // transformers < 5 (and FLUX's text_encoder/) nest everything under text_model.; transformers 5 saves it flat
    Weights w = root.has("text_model.embeddings.token_embedding.weight") ? root.scope("text_model") : root;
    Weights emb = w.scope("embeddings");
    token_embedding = emb.get("token_embedding.weight", config.vocabSize(), config.hiddenSize());
    position_embedding = emb.get("position_embedding.weight", config.maxPositionEmbeddings(), config.hiddenSize());
    if (emb.has("position_ids")) emb.shape("position_ids"); // a buffer older checkpoints carry: arange, not needed
    List<Layer> ls = new ArrayList<>();
    for (int i = 0; i < config.numHiddenLayers(); i++) ls.add(new Layer(w.scope("encoder.layers").scope(i), config));
    layers = Collections.unmodifiableList(ls);
    final_layer_norm_weight = w.get("final_layer_norm.weight", config.hiddenSize());
    final_layer_norm_bias = w.get("final_layer_norm.bias", config.hiddenSize());
    loadReport = root.report();
  }

  /** A folder with config.json and model.safetensors, e.g. FLUX's text_encoder/. */
  public static ClipTextModel load(Path folder, Placement placement) {
    ClipTextConfig config = ClipTextConfig.read(folder.resolve("config.json"));
    try (TensorSource src = TensorSources.open(folder)) {
      return new ClipTextModel(config, new Weights(src, placement));
    }
  }

  public static ClipTextModel load(ClipTextConfig config, Weights weights) { return new ClipTextModel(config, weights); }

  /** pooler_output [1, hidden]: last_hidden_state at {@link #eosPosition}. */
  public Tensor pooled(long[] ids) {
    Tensor last = lastHidden(ids);
    return last.select(1, eosPosition(ids)).clone();
  }

  /** pooler_output [B, hidden] of equally long rows of ids: each row's last_hidden_state at its {@link #eosPosition}. */
  public Tensor pooled(long[][] ids) {
    Tensor last = lastHidden(ids);
    long[] at = new long[ids.length];
    for (int b = 0; b < ids.length; b++) at[b] = (long) b * ids[b].length + eosPosition(ids[b]);
    return last.reshape(-1, last.size(2)).index_select(0, toDevice(Tensors.fromLongs(at, at.length)));
  }

  /** last_hidden_state [1, L, hidden], after the final LayerNorm. */
  public Tensor lastHidden(long[] ids) { return lastHidden(new long[][] {ids}); }

  /** last_hidden_state [B, L, hidden] of equally long rows of ids; keeps the graph for training. */
  public Tensor lastHidden(long[][] ids) {
    Tensor idTensor = toDevice(IdRows.stack(ids, this::checkIds));
    int L = ids[0].length;
    Tensor h = embedding(token_embedding, idTensor).add(position_embedding.narrow(0, 0, L).unsqueeze(0));
    Tensor causal = StepScope.compute(() -> causalMask(L));
    for (Layer layer : layers) {
      Tensor in = h;
      h = StepScope.compute(() -> layerForward(layer, in, causal));
    }
    Tensor last = h;
    return StepScope.compute(() -> layerNorm(last, final_layer_norm_weight, final_layer_norm_bias));
  }

  /**
   * Where the pooled output is read, as CLIPTextTransformer does: with the legacy eos_token_id 2, the position of the
   * largest id (the first one when tied; eos is the largest id in the original vocabulary); otherwise the first
   * position holding eos_token_id (0 when there is none, as argmax of an all-zero row gives).
   */
  public int eosPosition(long[] ids) { return eosPosition(ids, config.eosTokenId()); }

  public static int eosPosition(long[] ids, long eosTokenId) {
    int best = 0;
    if (eosTokenId == ClipTextConfig.LEGACY_EOS_TOKEN_ID) {
      for (int i = 1; i < ids.length; i++) if (ids[i] > ids[best]) best = i;
      return best;
    }
    for (int i = 0; i < ids.length; i++) if (ids[i] == eosTokenId) return i;
    return 0;
  }

  private Tensor layerForward(Layer l, Tensor h, Tensor causal) {
    long B = h.size(0), L = h.size(1);
    int heads = config.numAttentionHeads(), d = config.headDim();
    Tensor x = layerNorm(h, l.layer_norm1_weight, l.layer_norm1_bias);
    Tensor q = l.q_proj.forward(x).view(B, L, heads, d).transpose(1, 2);
    Tensor k = l.k_proj.forward(x).view(B, L, heads, d).transpose(1, 2);
    Tensor v = l.v_proj.forward(x).view(B, L, heads, d).transpose(1, 2);
    Tensor scores = q.matmul(k.transpose(2, 3)).mul(new Scalar(1.0 / Math.sqrt(d))).add(causal);
    Tensor weights = softmax(scores.to(ScalarType.Float), -1).to(q.scalar_type());
    Tensor attn = weights.matmul(v).transpose(1, 2).contiguous().view(B, L, config.hiddenSize());
    h = h.add(l.out_proj.forward(attn));
    x = layerNorm(h, l.layer_norm2_weight, l.layer_norm2_bias);
    return h.add(l.fc2.forward(config.hiddenAct().apply(l.fc1.forward(x))));
  }

  /** 0 on and below the diagonal, the dtype's most negative value above it: token i sees tokens 0..i only. */
  private Tensor causalMask(int L) {
    ScalarType dt = token_embedding.scalar_type().intern();
    double min = switch (dt) {
      case Float -> -Float.MAX_VALUE;
      case BFloat16 -> -3.3895313892515355e38;
      case Half -> -65504.0;
      default -> -Double.MAX_VALUE;
    };
    Tensor m = full(new long[] {L, L}, new Scalar(min), new TensorOptions(dt));
    return toDevice(triu(m, 1));
  }

  private Tensor layerNorm(Tensor x, Tensor w, Tensor b) {
    return layer_norm(x, new long[] {config.hiddenSize()}, new TensorOptional(w), new TensorOptional(b), config.layerNormEps(), false);
  }

  private void checkIds(long[] ids) {
    if (ids.length == 0) throw new IllegalArgumentException("no token ids");
    if (ids.length > config.maxPositionEmbeddings())
      throw new DualprocException(ids.length + " tokens exceed CLIP's max_position_embeddings " + config.maxPositionEmbeddings());
    for (long id : ids)
      if (id < 0 || id >= config.vocabSize())
        throw new DualprocException("token id " + id + " is outside the CLIP vocabulary (vocab_size " + config.vocabSize() + ")");
  }

  private Tensor toDevice(Tensor t) { return placement.isCpu() ? t : t.to(placement.torchDevice(), t.scalar_type()); }
}
