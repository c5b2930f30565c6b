package dev.dualproc.model.vlm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Random-weight Idefics2 and Idefics3 models in the HF snapshot layout: config.json with the transformers field names,
 * model.safetensors with the checkpoint key names, tokenizer.json with the families' special tokens, tokenizer_config.json,
 * preprocessor_config.json, processor_config.json and chat_template.json. Small enough for tests (well under 1 MB).
 */
public final class TinyIdefics {
  private TinyIdefics() {}

  /**
   * The sizes of a model, written to config.json under the transformers field names (vision_config.hidden_size, ...).
   * Idefics2 uses latents and the resampler fields, Idefics3 scaleFactor; {@code tied}: lm_head is the token embedding
   * (no lm_head.weight written).
   */
  public record Spec(int visionHidden, int visionFfn, int visionLayers, int visionHeads, int imageSize, int patchSize,
      int textHidden, int textFfn, int textLayers, int textHeads, int textKvHeads, int headDim,
      int latents, int resamplerDepth, int resamplerHeads, int resamplerKvHeads, int scaleFactor, boolean tied) {

    /** Idefics2: 8x8-pixel patches (a 4x4 grid at 32 px), 64 perceiver latents as the real model has, lm_head of its own. */
    public static final Spec IDEFICS2_TINY = new Spec(32, 64, 2, 4, 32, 8, 32, 64, 2, 4, 2, 8, 64, 2, 4, 2, 1, false);
    /** Idefics3: 4x4-pixel patches (an 8x8 grid) shuffled by 2: 16 image tokens; tied embeddings like SmolVLM. */
    public static final Spec IDEFICS3_TINY = new Spec(32, 64, 2, 4, 32, 4, 32, 64, 2, 4, 2, 8, 0, 0, 0, 0, 2, true);

    public static Spec tiny(VlmFamily f) { return f == VlmFamily.IDEFICS2 ? IDEFICS2_TINY : IDEFICS3_TINY; }

    int grid() { return (imageSize / patchSize) * (imageSize / patchSize); }

    /** Image tokens per image: the latents (Idefics2) or the shuffled patch grid (Idefics3). */
    public int imageSeqLen(VlmFamily f) { return f == VlmFamily.IDEFICS2 ? latents : grid() / (scaleFactor * scaleFactor); }
  }

  static final List<String> IDEFICS2_ADDED = List.of(PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE, PromptFormat.END_OF_UTTERANCE);
  static final List<String> IDEFICS3_SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
  static final List<String> IDEFICS3_ADDED = List.of(PromptFormat.GLOBAL_IMAGE, PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE,
      PromptFormat.END_OF_UTTERANCE);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes the family's tiny model folder (created if needed; existing files of these names are replaced). */
  public static void write(VlmFamily family, Path out, long seed) { write(family, Spec.tiny(family), out, seed); }

  /** Writes a model of these sizes with seeded random weights. */
  public static void write(VlmFamily family, Spec spec, Path out, long seed) {
    boolean v2 = family == VlmFamily.IDEFICS2;
    ObjectNode tokenizer = v2 ? TinyTokenizers.sentencePiece(IDEFICS2_ADDED) : TinyTokenizers.byteLevel(IDEFICS3_SPECIALS, IDEFICS3_ADDED);
    int vocab = writeFiles(family, spec, tokenizer, out);
    SafeTensorsWriter.write(out.resolve("model.safetensors"), weights(family, spec, vocab, seed), Map.of("format", "pt"));
  }

  /**
   * Every file of the snapshot but the weights, for the given tokenizer.json (which must hold the family's special
   * tokens): config.json, tokenizer files, processor files, chat template. Returns the vocabulary size written to
   * config.json, which the weights must use.
   */
  public static int writeFiles(VlmFamily family, Spec spec, ObjectNode tokenizer, Path out) {
    if (Files.exists(out) && !Files.isDirectory(out)) throw new DualprocException(out + ": exists and is not a folder");
    boolean v2 = family == VlmFamily.IDEFICS2;
    int vocab = TinyTokenizers.size(tokenizer);
    int imageTokenId = idOf(tokenizer, PromptFormat.IMAGE);
    ObjectNode config = v2 ? idefics2Config(spec, vocab, imageTokenId) : idefics3Config(spec, vocab, imageTokenId);
    writeJson(out.resolve("tokenizer.json"), tokenizer);
    writeJson(out.resolve("tokenizer_config.json"), v2 ? idefics2TokenizerConfig() : idefics3TokenizerConfig());
    writeJson(out.resolve("preprocessor_config.json"), v2 ? idefics2Preprocessor(spec) : idefics3Preprocessor(spec));
    ObjectNode processor = JSON.createObjectNode().put("image_seq_len", spec.imageSeqLen(family))
        .put("processor_class", v2 ? "Idefics2Processor" : "Idefics3Processor");
    writeJson(out.resolve("processor_config.json"), processor);
    writeJson(out.resolve("chat_template.json"), JSON.createObjectNode().put("chat_template", chatTemplate(family)));
    writeJson(out.resolve("config.json"), config);
    return vocab;
  }

  // ---- config.json -----------------------------------------------------------------------------------------------

  private static ObjectNode idefics2Config(Spec z, int vocab, int imageTokenId) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("Idefics2ForConditionalGeneration");
    c.put("model_type", "idefics2").put("image_token_id", imageTokenId).put("tie_word_embeddings", z.tied())
        .put("use_cache", true).put("torch_dtype", "float32").put("transformers_version", "4.50.0");
    ObjectNode p = c.putObject("perceiver_config");
    p.put("model_type", "idefics2_perceiver").put("hidden_act", "silu").put("hidden_size", z.textHidden())
        .put("rms_norm_eps", 1e-5).put("resampler_n_latents", z.latents()).put("resampler_depth", z.resamplerDepth())
        .put("resampler_n_heads", z.resamplerHeads()).put("resampler_head_dim", z.headDim())
        .put("num_key_value_heads", z.resamplerKvHeads()).put("attention_dropout", 0.0);
    ObjectNode t = textConfig(c, z, "mistral", vocab);
    t.put("sliding_window", 4096).put("tie_word_embeddings", z.tied()).put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 0);
    visionConfig(c, z, "idefics2_vision");
    return c;
  }

  private static ObjectNode idefics3Config(Spec z, int vocab, int imageTokenId) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("Idefics3ForConditionalGeneration");
    c.put("model_type", "idefics3").put("image_token_id", imageTokenId).put("scale_factor", z.scaleFactor())
        .put("tie_word_embeddings", z.tied()).put("use_cache", true).put("torch_dtype", "float32")
        .put("transformers_version", "4.50.0");
    ObjectNode t = textConfig(c, z, "llama", vocab);
    t.put("rope_theta", 100000.0).put("tie_word_embeddings", z.tied()).put("bos_token_id", 1).put("eos_token_id", 2)
        .put("pad_token_id", 2).put("attention_bias", false).put("mlp_bias", false);
    visionConfig(c, z, "idefics3_vision");
    return c;
  }

  private static ObjectNode textConfig(ObjectNode parent, Spec z, String modelType, int vocab) {
    ObjectNode t = parent.putObject("text_config");
    t.put("model_type", modelType).put("vocab_size", vocab).put("hidden_size", z.textHidden())
        .put("intermediate_size", z.textFfn()).put("num_hidden_layers", z.textLayers()).put("num_attention_heads", z.textHeads())
        .put("num_key_value_heads", z.textKvHeads()).put("head_dim", z.headDim()).put("hidden_act", "silu")
        .put("max_position_embeddings", 4096).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
        .put("initializer_range", 0.02).put("torch_dtype", "float32");
    return t;
  }

  private static void visionConfig(ObjectNode parent, Spec z, String modelType) {
    parent.putObject("vision_config").put("model_type", modelType).put("hidden_size", z.visionHidden())
        .put("intermediate_size", z.visionFfn()).put("num_hidden_layers", z.visionLayers())
        .put("num_attention_heads", z.visionHeads()).put("num_channels", 3).put("image_size", z.imageSize())
        .put("patch_size", z.patchSize()).put("hidden_act", "gelu_pytorch_tanh").put("layer_norm_eps", 1e-6)
        .put("attention_dropout", 0.0).put("initializer_range", 0.02);
  }

  // ---- tokenizer and processor files ------------------------------------------------------------------------------

  private static ObjectNode idefics2TokenizerConfig() {
    ObjectNode c = JSON.createObjectNode();
    c.put("add_bos_token", true).put("add_eos_token", false).put("bos_token", "<s>").put("eos_token", "</s>")
        .put("unk_token", "<unk>").put("pad_token", "<unk>").put("legacy", false).put("model_max_length", 32768)
        .put("tokenizer_class", "LlamaTokenizer").put("processor_class", "Idefics2Processor");
    var extra = c.putArray("additional_special_tokens");
    IDEFICS2_ADDED.forEach(extra::add);
    return c;
  }

  private static ObjectNode idefics3TokenizerConfig() {
    ObjectNode c = JSON.createObjectNode();
    c.put("add_prefix_space", false).put("bos_token", "<|im_start|>").put("eos_token", PromptFormat.END_OF_UTTERANCE)
        .put("pad_token", "<|im_end|>").put("unk_token", "<|endoftext|>").put("model_max_length", 8192)
        .put("tokenizer_class", "GPT2Tokenizer").put("processor_class", "Idefics3Processor");
    var extra = c.putArray("additional_special_tokens");
    List.of(PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE, PromptFormat.END_OF_UTTERANCE).forEach(extra::add);
    return c;
  }

  private static ObjectNode idefics2Preprocessor(Spec z) {
    ObjectNode c = imageProcessorCommon("Idefics2ImageProcessor", "Idefics2Processor");
    c.put("resample", 2);
    c.putObject("size").put("shortest_edge", z.imageSize()).put("longest_edge", 2 * z.imageSize());
    return c;
  }

  private static ObjectNode idefics3Preprocessor(Spec z) {
    ObjectNode c = imageProcessorCommon("Idefics3ImageProcessor", "Idefics3Processor");
    c.put("resample", 1);
    c.putObject("size").put("longest_edge", z.imageSize());
    c.putObject("max_image_size").put("longest_edge", z.imageSize());
    return c;
  }

  private static ObjectNode imageProcessorCommon(String type, String processor) {
    ObjectNode c = JSON.createObjectNode();
    c.put("image_processor_type", type).put("processor_class", processor).put("do_convert_rgb", true)
        .put("do_resize", true).put("do_rescale", true).put("rescale_factor", 1 / 255.0).put("do_normalize", true)
        .put("do_pad", true).put("do_image_splitting", false);
    c.putArray("image_mean").add(0.5).add(0.5).add(0.5);
    c.putArray("image_std").add(0.5).add(0.5).add(0.5);
    return c;
  }

  /** A user turn with the images before the text, then the generation prompt, as PromptFormat lays them out. */
  static String chatTemplate(VlmFamily family) {
    String start = family == VlmFamily.IDEFICS3 ? "<|im_start|>" : "";
    return start + "{% for message in messages %}{{ message['role'] | capitalize }}:"
        + "{% for item in message['content'] %}{% if item['type'] == 'image' %}<image>{% endif %}{% endfor %}"
        + "{% for item in message['content'] %}{% if item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}"
        + "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}";
  }

  // ---- weights ------------------------------------------------------------------------------------------------------

  /** Every tensor of the family's checkpoint, by its transformers key, with its shape. */
  public static Map<String, long[]> shapes(VlmFamily family, Spec z, int vocab) {
    Map<String, long[]> s = new LinkedHashMap<>();
    boolean v2 = family == VlmFamily.IDEFICS2;
    long d = z.visionHidden(), p = z.patchSize(), ffn = z.visionFfn();
    String v = "model.vision_model.";
    s.put(v + "embeddings.patch_embedding.weight", new long[] {d, 3, p, p});
    s.put(v + "embeddings.patch_embedding.bias", new long[] {d});
    s.put(v + "embeddings.position_embedding.weight", new long[] {z.grid(), d});
    for (int i = 0; i < z.visionLayers(); i++) {
      String l = v + "encoder.layers." + i + ".";
      for (String n : List.of("layer_norm1", "layer_norm2")) { s.put(l + n + ".weight", new long[] {d}); s.put(l + n + ".bias", new long[] {d}); }
      for (String n : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
        s.put(l + "self_attn." + n + ".weight", new long[] {d, d});
        s.put(l + "self_attn." + n + ".bias", new long[] {d});
      }
      s.put(l + "mlp.fc1.weight", new long[] {ffn, d});
      s.put(l + "mlp.fc1.bias", new long[] {ffn});
      s.put(l + "mlp.fc2.weight", new long[] {d, ffn});
      s.put(l + "mlp.fc2.bias", new long[] {d});
    }
    s.put(v + "post_layernorm.weight", new long[] {d});
    s.put(v + "post_layernorm.bias", new long[] {d});
    long h = z.textHidden(), hd = z.headDim();
    String c = "model.connector.";
    if (v2) {
      gatedMlp(s, c + "modality_projection.", d, z.textFfn(), h);
      String r = c + "perceiver_resampler.";
      s.put(r + "latents", new long[] {z.latents(), h});
      for (int i = 0; i < z.resamplerDepth(); i++) {
        String l = r + "layers." + i + ".";
        for (String n : List.of("input_latents_norm", "input_context_norm", "post_attention_layernorm")) s.put(l + n + ".weight", new long[] {h});
        s.put(l + "self_attn.q_proj.weight", new long[] {z.resamplerHeads() * hd, h});
        s.put(l + "self_attn.k_proj.weight", new long[] {z.resamplerKvHeads() * hd, h});
        s.put(l + "self_attn.v_proj.weight", new long[] {z.resamplerKvHeads() * hd, h});
        s.put(l + "self_attn.o_proj.weight", new long[] {h, z.resamplerHeads() * hd});
        gatedMlp(s, l + "mlp.", h, 4 * h, h);
      }
      s.put(r + "norm.weight", new long[] {h});
    } else {
      s.put(c + "modality_projection.proj.weight", new long[] {h, d * z.scaleFactor() * z.scaleFactor()});
    }
    String t = "model.text_model.";
    s.put(t + "embed_tokens.weight", new long[] {vocab, h});
    for (int i = 0; i < z.textLayers(); i++) {
      String l = t + "layers." + i + ".";
      s.put(l + "input_layernorm.weight", new long[] {h});
      s.put(l + "post_attention_layernorm.weight", new long[] {h});
      s.put(l + "self_attn.q_proj.weight", new long[] {z.textHeads() * hd, h});
      s.put(l + "self_attn.k_proj.weight", new long[] {z.textKvHeads() * hd, h});
      s.put(l + "self_attn.v_proj.weight", new long[] {z.textKvHeads() * hd, h});
      s.put(l + "self_attn.o_proj.weight", new long[] {h, z.textHeads() * hd});
      gatedMlp(s, l + "mlp.", h, z.textFfn(), h);
    }
    s.put(t + "norm.weight", new long[] {h});
    if (!z.tied()) s.put("lm_head.weight", new long[] {vocab, h});
    return s;
  }

  static Map<String, long[]> shapes(VlmFamily family, int vocab) { return shapes(family, Spec.tiny(family), vocab); }

  private static void gatedMlp(Map<String, long[]> s, String prefix, long in, long mid, long out) {
    s.put(prefix + "gate_proj.weight", new long[] {mid, in});
    s.put(prefix + "up_proj.weight", new long[] {mid, in});
    s.put(prefix + "down_proj.weight", new long[] {out, mid});
  }

  /** Norm weights near 1, biases and matrices small, embeddings and latents of unit-ish scale: varied, finite logits. */
  static Map<String, Tensor> weights(VlmFamily family, Spec spec, int vocab, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : shapes(family, spec, vocab).entrySet()) {
      String k = e.getKey();
      Tensor n = Rng.normal(g, e.getValue());
      boolean norm = k.endsWith("norm.weight") || k.endsWith("layernorm.weight") || k.matches(".*layer_norm\\d\\.weight");
      double std = norm || k.endsWith(".bias") ? 0.1 : k.endsWith("latents") || k.contains("embed") ? 0.5 : 0.2;
      Tensor t = n.mul(new Scalar(std));
      out.put(k, norm ? t.add(new Scalar(1.0)) : t);
    }
    return out;
  }

  private static int idOf(ObjectNode tokenizer, String content) {
    for (var t : tokenizer.get("added_tokens")) if (t.get("content").asText().equals(content)) return t.get("id").intValue();
    throw new IllegalStateException("tiny tokenizer lacks " + content);
  }

  private static void writeJson(Path file, ObjectNode node) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(node) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
