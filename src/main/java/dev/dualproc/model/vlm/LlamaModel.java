package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/** text_model: embed_tokens, layers.N, norm (LlamaModel / MistralModel), causal, with an optional KV cache. */
final class LlamaModel {
  final Tensor embed_tokens;
  final List<LlamaDecoderLayer> layers = new ArrayList<>();
  final RmsNorm norm;
  final RotaryEmbedding rotary;
  final TextConfig config;

  LlamaModel(Weights w, TextConfig c) {
    config = c;
    embed_tokens = w.get("embed_tokens.weight", c.vocabSize(), c.hiddenSize());
    for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new LlamaDecoderLayer(w.scope("layers").scope(i), c, i));
    norm = RmsNorm.load(w, "norm", c.hiddenSize(), c.rmsNormEps());
    rotary = new RotaryEmbedding(c);
  }

  Tensor embed(Tensor ids) { return embedding(embed_tokens, ids); }

  /** inputs_embeds [B, L, D] after the cache's tokens -> last hidden state [B, L, D] (after the final norm). */
  Tensor forward(Tensor inputsEmbeds, KvCache cache) {
    long past = cache == null ? 0 : cache.length(), len = inputsEmbeds.size(1);
    if (config.slidingWindow() > 0 && past + len > config.slidingWindow())
      throw new DualprocException("sequence of " + (past + len) + " tokens is longer than the sliding window "
          + config.slidingWindow() + " of this Mistral decoder; sliding-window attention is not implemented");
    ScalarType dt = inputsEmbeds.scalar_type().intern();
    Tensor[] cs = rotary.cosSin(past, len, dt, inputsEmbeds.device());
    Tensor mask = len == 1 ? null : causalMask(past, len, dt, inputsEmbeds);
    Tensor h = inputsEmbeds;
    for (LlamaDecoderLayer l : layers) h = l.forward(h, cs[0], cs[1], mask, cache);
    if (cache != null) cache.advance(len);
    return norm.forward(h);
  }

  /** [L, past+L]: 0 where query i may see key j (j <= past + i), -inf elsewhere. */
  private static Tensor causalMask(long past, long len, ScalarType dt, Tensor like) {
    Tensor m = full(new long[] {len, past + len}, new Scalar(Double.NEGATIVE_INFINITY), new TensorOptions(dt));
    return m.triu(past + 1).to(like.device(), dt);
  }
}
