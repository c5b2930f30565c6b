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
 * The T5 v1.1 encoder as FLUX uses it (transformers' T5EncoderModel, keys {@code shared.weight}, {@code encoder.block.N.*},
 * {@code encoder.final_layer_norm.weight}): pre-norm blocks with RMS norm, relative-position attention bias computed in
 * block 0 and shared by all blocks, unscaled attention scores (T5 folds 1/sqrt(d_kv) into its init), gated-GELU MLP.
 *
 * <p>FLUX calls it without an attention mask: diffusers' pipeline_flux.py {@code _get_t5_prompt_embeds} runs
 * {@code self.text_encoder_2(text_input_ids.to(device), output_hidden_states=False)[0]} with ids padded to
 * max_sequence_length and no attention_mask (checked at diffusers commit 02edb0f), and BFL's conditioner does the same.
 * So {@link #encode(long[])} lets every position, padding included, attend everywhere; {@link #encode(long[], long[])}
 * applies a padding mask the way T5Stack does, for other users.
 */
public final class T5Encoder {
  public final T5Config config;
  public final Placement placement;
  public final Tensor shared;                   // shared.weight [vocab, d_model]
  public final Tensor relative_attention_bias;  // encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight [buckets, heads]
  public final List<Block> block;
  public final Tensor final_layer_norm;         // encoder.final_layer_norm.weight [d_model]
  public final Weights.LoadReport loadReport;

  /** One encoder block: layer.0 = self-attention, layer.1 = feed-forward, each pre-normed with a residual. */
  public static final class Block {
    public final Linear q, k, v, o;
    public final Tensor attention_layer_norm;     // layer.0.layer_norm.weight
    public final Linear wi_0, wi_1, wi, wo;       // layer.1.DenseReluDense.*: wi_0/wi_1 when gated, wi otherwise
    public final Tensor ff_layer_norm;            // layer.1.layer_norm.weight

    Block(Weights w, T5Config c) {
      Weights attn = w.scope("layer.0.SelfAttention");
      q = Linear.load(attn, "q", c.dModel(), c.innerDim(), false);
      k = Linear.load(attn, "k", c.dModel(), c.innerDim(), false);
      v = Linear.load(attn, "v", c.dModel(), c.innerDim(), false);
      o = Linear.load(attn, "o", c.innerDim(), c.dModel(), false);
      attention_layer_norm = w.get("layer.0.layer_norm.weight", c.dModel());
      Weights ff = w.scope("layer.1.DenseReluDense");
      wi_0 = c.gatedAct() ? Linear.load(ff, "wi_0", c.dModel(), c.dFf(), false) : null;
      wi_1 = c.gatedAct() ? Linear.load(ff, "wi_1", c.dModel(), c.dFf(), false) : null;
      wi = c.gatedAct() ? null : Linear.load(ff, "wi", c.dModel(), c.dFf(), false);
      wo = Linear.load(ff, "wo", c.dFf(), c.dModel(), false);
      ff_layer_norm = w.get("layer.1.layer_norm.weight", c.dModel());
    }
  }

  private T5Encoder(T5Config config, Weights w) {
    this.config = config;
    this.placement = w.placement();
    // save_pretrained drops the tied encoder.embed_tokens.weight; other exports keep only that one
    this.shared = w.has("shared.weight") ? w.get("shared.weight", config.vocabSize(), config.dModel())
        : w.get("encoder.embed_tokens.weight", config.vocabSize(), config.dModel());
    if (w.has("encoder.embed_tokens.weight")) w.shape("encoder.embed_tokens.weight");
    Weights enc = w.scope("encoder");
    this.relative_attention_bias = enc.get("block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        config.relativeAttentionNumBuckets(), config.numHeads());
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) blocks.add(new Block(enc.scope("block").scope(i), config));
    this.block = Collections.unmodifiableList(blocks);
    this.final_layer_norm = enc.get("final_layer_norm.weight", config.dModel());
    this.loadReport = w.report();
  }

  /** A folder with config.json and model.safetensors (or a sharded index), e.g. FLUX's text_encoder_2/. */
  public static T5Encoder load(Path folder, Placement placement) {
    T5Config config = T5Config.read(folder.resolve("config.json"));
    try (TensorSource src = TensorSources.open(folder)) {
      return new T5Encoder(config, new Weights(src, placement));
    }
  }

  public static T5Encoder load(T5Config config, Weights weights) { return new T5Encoder(config, weights); }

  /** last_hidden_state [1, L, d_model] with no attention mask, as FLUX encodes its prompt. */
  public Tensor encode(long[] ids) { return encode(ids, null); }

  /** last_hidden_state [1, L, d_model]; {@code mask} (1 = token, 0 = padding) hides padded keys, or null for none. */
  public Tensor encode(long[] ids, long[] mask) {
    checkIds(ids);
    if (mask != null && mask.length != ids.length)
      throw new IllegalArgumentException("attention mask has " + mask.length + " entries for " + ids.length + " ids");
    return forward(toDevice(Tensors.fromLongs(ids, 1, ids.length)), mask);
  }

  /** last_hidden_state [B, L, d_model] of equally long rows of ids, no mask (FLUX's way); keeps the graph for training. */
  public Tensor encode(long[][] ids) {
    return forward(toDevice(IdRows.stack(ids, this::checkIds)), null);
  }

  private Tensor forward(Tensor idTensor, long[] mask) {
    int L = (int) idTensor.size(1);
    Tensor h = embedding(shared, idTensor);
    Tensor bias = StepScope.compute(() -> {
      Tensor b = positionBias(L);
      return mask == null ? b : b.add(extendedMask(mask));
    });
    for (Block b : block) {
      Tensor in = h;
      h = StepScope.compute(() -> blockForward(b, in, bias));
    }
    Tensor last = h;
    return StepScope.compute(() -> rmsNorm(last, final_layer_norm, config.layerNormEpsilon()));
  }

  private Tensor blockForward(Block b, Tensor h, Tensor bias) {
    long B = h.size(0), L = h.size(1);
    int H = config.numHeads(), dkv = config.dKv();
    Tensor x = rmsNorm(h, b.attention_layer_norm, config.layerNormEpsilon());
    Tensor q = b.q.forward(x).view(B, L, H, dkv).transpose(1, 2);
    Tensor k = b.k.forward(x).view(B, L, H, dkv).transpose(1, 2);
    Tensor v = b.v.forward(x).view(B, L, H, dkv).transpose(1, 2);
    Tensor scores = q.matmul(k.transpose(3, 2)).add(bias);              // no 1/sqrt(d_kv): T5 folds it into q's init
    Tensor weights = softmax(scores.to(ScalarType.Float), -1).to(scores.scalar_type());
    Tensor attn = weights.matmul(v).transpose(1, 2).contiguous().view(B, L, (long) H * dkv);
    h = clampHalf(h.add(b.o.forward(attn)));
    x = rmsNorm(h, b.ff_layer_norm, config.layerNormEpsilon());
    Tensor inner = config.gatedAct()
        ? config.denseAct().apply(b.wi_0.forward(x)).mul(b.wi_1.forward(x))
        : config.denseAct().apply(b.wi.forward(x));
    return clampHalf(h.add(b.wo.forward(inner)));
  }

  /** T5LayerNorm: x / sqrt(mean(x^2) + eps) with the variance in fp32, no mean subtraction, no bias. */
  public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
    Tensor variance = x.to(ScalarType.Float).pow(new Scalar(2)).mean(new long[] {-1}, true, new ScalarTypeOptional());
    Tensor y = x.mul(rsqrt(variance.add(new Scalar(eps))));
    ScalarType wt = weight.scalar_type().intern();
    if (wt == ScalarType.Half || wt == ScalarType.BFloat16) y = y.to(wt);
    return weight.mul(y);
  }

  /** The shared relative-position bias [1, heads, L, L] (T5Attention.compute_bias, bidirectional). */
  public Tensor positionBias(int L) {
    Tensor context = arange(new Scalar(L), new TensorOptions(ScalarType.Long)).unsqueeze(1);
    Tensor memory = arange(new Scalar(L), new TensorOptions(ScalarType.Long)).unsqueeze(0);
    Tensor buckets = relativePositionBucket(memory.sub(context), true, config.relativeAttentionNumBuckets(),
        config.relativeAttentionMaxDistance());
    Tensor values = embedding(relative_attention_bias, toDevice(buckets)); // [L, L, heads]
    return values.permute(2, 0, 1).unsqueeze(0);
  }

  /**
   * transformers' T5Attention._relative_position_bucket, op for op in the same dtypes (int64 positions, fp32 logs,
   * truncation toward zero), so that buckets at the exact powers of two come out as PyTorch's do.
   */
  public static Tensor relativePositionBucket(Tensor relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
    Tensor rel = relativePosition;
    Tensor buckets = zeros_like(rel);
    int n = numBuckets;
    if (bidirectional) {
      n /= 2;
      buckets = buckets.add(rel.gt(new Scalar(0)).to(ScalarType.Long).mul(new Scalar(n)));
      rel = rel.abs();
    } else {
      rel = minimum(rel, zeros_like(rel)).neg();
    }
    int maxExact = n / 2;
    Tensor isSmall = rel.lt(new Scalar(maxExact));
    Tensor large = rel.to(ScalarType.Float).div(new Scalar(maxExact)).log()
        .div(new Scalar(Math.log((double) maxDistance / maxExact)))
        .mul(new Scalar(n - maxExact))
        .to(ScalarType.Long)
        .add(new Scalar(maxExact));
    large = minimum(large, full_like(large, new Scalar(n - 1)));
    return buckets.add(where(isSmall, rel, large));
  }

  /** transformers' get_extended_attention_mask: (1 - mask) * finfo(dtype).min on the key axis, [1, 1, 1, L]. */
  private Tensor extendedMask(long[] mask) {
    ScalarType dt = relative_attention_bias.scalar_type().intern();
    double min = switch (dt) {
      case Float -> -Float.MAX_VALUE;
      case BFloat16 -> -3.3895313892515355e38;
      case Half -> -65504.0;
      default -> -Double.MAX_VALUE;
    };
    Tensor m = toDevice(Tensors.fromLongs(mask, 1, 1, 1, mask.length)).to(dt);
    return m.neg().add(new Scalar(1)).mul(new Scalar(min));
  }

  /** transformers clamps fp16 activations of T5 blocks to stay finite. */
  private static Tensor clampHalf(Tensor h) {
    if (h.scalar_type().intern() != ScalarType.Half) return h;
    boolean anyInf = Tensors.item(h.isinf().any()) != 0;
    double c = anyInf ? 65504.0 - 1000 : 65504.0;
    return clamp(h, new ScalarOptional(new Scalar(-c)), new ScalarOptional(new Scalar(c)));
  }

  private void checkIds(long[] ids) {
    if (ids.length == 0) throw new IllegalArgumentException("no token ids");
    for (long id : ids)
      if (id < 0 || id >= config.vocabSize())
        throw new DualprocException("token id " + id + " is outside the T5 vocabulary (vocab_size " + config.vocabSize() + ")");
  }

  private Tensor toDevice(Tensor t) { return placement.isCpu() ? t : t.to(placement.torchDevice(), t.scalar_type()); }
}
