package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.Rng;
import dev.dualproc.model.text.Activation;
import dev.dualproc.model.text.ClipTextConfig;
import dev.dualproc.model.text.T5Config;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * The built-in generator's text encoders before training: T5 v1.1 (gated GELU) and CLIP text configs in transformers'
 * field names, and seeded initial weights under the checkpoint keys, scaled as transformers initialises them.
 */
final class TextEncoderInit {
  private TextEncoderInit() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static T5Config t5Config(GeneratorConfig.TextSizes s, int vocabSize) {
    return new T5Config(vocabSize, s.dModel(), s.dModel() / s.heads(), s.dFf(), s.layers(), s.heads(), 32, 128, 1e-6,
        "gated-gelu", Activation.parse("t5 config", "dense_act_fn", "gelu_new"), true);
  }

  static ObjectNode t5Json(T5Config c) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("T5EncoderModel");
    n.put("d_ff", c.dFf()).put("d_kv", c.dKv()).put("d_model", c.dModel()).put("decoder_start_token_id", 0)
        .put("dense_act_fn", "gelu_new").put("dropout_rate", 0.0).put("eos_token_id", 1).put("feed_forward_proj", "gated-gelu")
        .put("initializer_factor", 1.0).put("is_encoder_decoder", true).put("is_gated_act", true)
        .put("layer_norm_epsilon", c.layerNormEpsilon()).put("model_type", "t5").put("num_decoder_layers", c.numLayers())
        .put("num_heads", c.numHeads()).put("num_layers", c.numLayers()).put("pad_token_id", 0)
        .put("relative_attention_max_distance", c.relativeAttentionMaxDistance())
        .put("relative_attention_num_buckets", c.relativeAttentionNumBuckets()).put("tie_word_embeddings", false)
        .put("torch_dtype", "bfloat16").put("vocab_size", c.vocabSize());
    return n;
  }

  static Map<String, Tensor> t5Weights(T5Config c, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    int d = c.dModel(), inner = c.innerDim();
    w.put("shared.weight", normal(g, 1.0, c.vocabSize(), d));
    for (int i = 0; i < c.numLayers(); i++) {
      String b = "encoder.block." + i + ".";
      w.put(b + "layer.0.SelfAttention.q.weight", normal(g, Math.pow((double) d * c.dKv(), -0.5), inner, d));
      w.put(b + "layer.0.SelfAttention.k.weight", normal(g, Math.pow(d, -0.5), inner, d));
      w.put(b + "layer.0.SelfAttention.v.weight", normal(g, Math.pow(d, -0.5), inner, d));
      w.put(b + "layer.0.SelfAttention.o.weight", normal(g, Math.pow(inner, -0.5), d, inner));
      if (i == 0) w.put(b + "layer.0.SelfAttention.relative_attention_bias.weight", normal(g, Math.pow(d, -0.5), c.relativeAttentionNumBuckets(), c.numHeads()));
      w.put(b + "layer.0.layer_norm.weight", ones(d));
      w.put(b + "layer.1.DenseReluDense.wi_0.weight", normal(g, Math.pow(d, -0.5), c.dFf(), d));
      w.put(b + "layer.1.DenseReluDense.wi_1.weight", normal(g, Math.pow(d, -0.5), c.dFf(), d));
      w.put(b + "layer.1.DenseReluDense.wo.weight", normal(g, Math.pow(c.dFf(), -0.5), d, c.dFf()));
      w.put(b + "layer.1.layer_norm.weight", ones(d));
    }
    w.put("encoder.final_layer_norm.weight", ones(d));
    return w;
  }

  /** CLIP pools at the first eos (a real eos id, not the legacy 2), with learned positions up to {@code positions}. */
  static ClipTextConfig clipConfig(GeneratorConfig.TextSizes s, int vocabSize, int positions, long eosId) {
    return new ClipTextConfig(vocabSize, s.dModel(), s.dFf(), s.heads(), s.layers(), positions,
        Activation.parse("clip config", "hidden_act", "quick_gelu"), 1e-5, eosId);
  }

  static ObjectNode clipJson(ClipTextConfig c, long bosId) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add("CLIPTextModel");
    n.put("attention_dropout", 0.0).put("bos_token_id", bosId).put("dropout", 0.0).put("eos_token_id", c.eosTokenId())
        .put("hidden_act", "quick_gelu").put("hidden_size", c.hiddenSize()).put("initializer_factor", 1.0)
        .put("initializer_range", 0.02).put("intermediate_size", c.intermediateSize()).put("layer_norm_eps", c.layerNormEps())
        .put("max_position_embeddings", c.maxPositionEmbeddings()).put("model_type", "clip_text_model")
        .put("num_attention_heads", c.numAttentionHeads()).put("num_hidden_layers", c.numHiddenLayers())
        .put("pad_token_id", c.eosTokenId()).put("projection_dim", c.hiddenSize()).put("torch_dtype", "bfloat16")
        .put("vocab_size", c.vocabSize());
    return n;
  }

  static Map<String, Tensor> clipWeights(ClipTextConfig c, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    int h = c.hiddenSize(), ff = c.intermediateSize();
    double inStd = Math.pow(h, -0.5) * Math.pow(2.0 * c.numHiddenLayers(), -0.5), outStd = Math.pow(h, -0.5), fcStd = Math.pow(2.0 * h, -0.5);
    w.put("text_model.embeddings.token_embedding.weight", normal(g, 0.02, c.vocabSize(), h));
    w.put("text_model.embeddings.position_embedding.weight", normal(g, 0.01, c.maxPositionEmbeddings(), h));
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String l = "text_model.encoder.layers." + i + ".";
      for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
        w.put(l + "self_attn." + proj + ".weight", normal(g, proj.equals("out_proj") ? outStd : inStd, h, h));
        w.put(l + "self_attn." + proj + ".bias", zeros(h));
      }
      w.put(l + "layer_norm1.weight", ones(h));
      w.put(l + "layer_norm1.bias", zeros(h));
      w.put(l + "mlp.fc1.weight", normal(g, fcStd, ff, h));
      w.put(l + "mlp.fc1.bias", zeros(ff));
      w.put(l + "mlp.fc2.weight", normal(g, inStd, h, ff));
      w.put(l + "mlp.fc2.bias", zeros(h));
      w.put(l + "layer_norm2.weight", ones(h));
      w.put(l + "layer_norm2.bias", zeros(h));
    }
    w.put("text_model.final_layer_norm.weight", ones(h));
    w.put("text_model.final_layer_norm.bias", zeros(h));
    return w;
  }

  private static Tensor normal(Generator g, double std, long... shape) { return Rng.normal(g, shape).mul(new Scalar(std)); }
}
