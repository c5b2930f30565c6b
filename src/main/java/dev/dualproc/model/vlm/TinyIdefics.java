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

  static final int VISION_HIDDEN = 32, VISION_FFN = 64, VISION_LAYERS = 2, VISION_HEADS = 4, IMAGE_SIZE = 32;
  static final int TEXT_HIDDEN = 32, TEXT_FFN = 64, TEXT_LAYERS = 2, TEXT_HEADS = 4, TEXT_KV_HEADS = 2, HEAD_DIM = 8;
  /** Idefics2: 8x8-pixel patches (a 4x4 grid at 32 px) and 64 perceiver latents, as the real model has. */
  static final int IDEFICS2_PATCH = 8, LATENTS = 64, RESAMPLER_DEPTH = 2, RESAMPLER_HEADS = 4, RESAMPLER_KV_HEADS = 2;
  /** Idefics3: 4x4-pixel patches (an 8x8 grid) shuffled by 2: 16 image tokens. */
  static final int IDEFICS3_PATCH = 4, SCALE_FACTOR = 2;

  static final List<String> IDEFICS2_ADDED = List.of(PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE, PromptFormat.END_OF_UTTERANCE);
  static final List<String> IDEFICS3_SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
  static final List<String> IDEFICS3_ADDED = List.of(PromptFormat.GLOBAL_IMAGE, PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE,
      PromptFormat.END_OF_UTTERANCE);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes the model folder (created if needed; existing files of these names are replaced). */
  public static void write(VlmFamily family, Path out, long seed) {
    if (Files.exists(out) && !Files.isDirectory(out)) throw new DualprocException(out + ": exists and is not a folder");
    boolean v2 = family == VlmFamily.IDEFICS2;
    ObjectNode tokenizer = v2 ? TinyTokenizers.sentencePiece(IDEFICS2_ADDED) : TinyTokenizers.byteLevel(IDEFICS3_SPECIALS, IDEFICS3_ADDED);
    int vocab = TinyTokenizers.size(tokenizer);
    int imageTokenId = idOf(tokenizer, PromptFormat.IMAGE);
    ObjectNode config = v2 ? idefics2Config(vocab, imageTokenId) : idefics3Config(vocab, imageTokenId);
    writeJson(out.resolve("tokenizer.json"), tokenizer);
    writeJson(out.resolve("tokenizer_config.json"), v2 ? idefics2TokenizerConfig() : idefics3TokenizerConfig());
    writeJson(out.resolve("preprocessor_config.json"), v2 ? idefics2Preprocessor() : idefics3Preprocessor());
    ObjectNode processor = JSON.createObjectNode().put("image_seq_len", v2 ? LATENTS : idefics3SeqLen())
        .put("processor_class", v2 ? "Idefics2Processor" : "Idefics3Processor");
    writeJson(out.resolve("processor_config.json"), processor);
    writeJson(out.resolve("chat_template.json"), JSON.createObjectNode().put("chat_template", chatTemplate(family)));
    writeJson(out.resolve("config.json"), config);
    SafeTensorsWriter.write(out.resolve("model.safetensors"), weights(family, vocab, seed), Map.of("format", "pt"));
  }

  static int idefics3SeqLen() {
    int side = IMAGE_SIZE / IDEFICS3_PATCH;
    return side * side / (SCALE_FACTOR * SCALE_FACTOR);
  }

  // ---- config.json -----------------------------------------------------------------------------------------------

  private static ObjectNode idefics2Config(int vocab, int imageTokenId) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("Idefics2ForConditionalGeneration");
    c.put("model_type", "idefics2").put("image_token_id", imageTokenId).put("tie_word_embeddings", false)
        .put("use_cache", true).put("torch_dtype", "float32").put("transformers_version", "4.50.0");
    ObjectNode p = c.putObject("perceiver_config");
    p.put("model_type", "idefics2_perceiver").put("hidden_act", "silu").put("hidden_size", TEXT_HIDDEN)
        .put("rms_norm_eps", 1e-5).put("resampler_n_latents", LATENTS).put("resampler_depth", RESAMPLER_DEPTH)
        .put("resampler_n_heads", RESAMPLER_HEADS).put("resampler_head_dim", HEAD_DIM)
        .put("num_key_value_heads", RESAMPLER_KV_HEADS).put("attention_dropout", 0.0);
    ObjectNode t = textConfig(c, "mistral", vocab);
    t.put("sliding_window", 4096).put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 0);
    visionConfig(c, "idefics2_vision", IDEFICS2_PATCH);
    return c;
  }

  private static ObjectNode idefics3Config(int vocab, int imageTokenId) {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("Idefics3ForConditionalGeneration");
    c.put("model_type", "idefics3").put("image_token_id", imageTokenId).put("scale_factor", SCALE_FACTOR)
        .put("tie_word_embeddings", true).put("use_cache", true).put("torch_dtype", "float32")
        .put("transformers_version", "4.50.0");
    ObjectNode t = textConfig(c, "llama", vocab);
    t.put("rope_theta", 100000.0).put("tie_word_embeddings", true).put("bos_token_id", 1).put("eos_token_id", 2)
        .put("pad_token_id", 2).put("attention_bias", false).put("mlp_bias", false);
    visionConfig(c, "idefics3_vision", IDEFICS3_PATCH);
    return c;
  }

  private static ObjectNode textConfig(ObjectNode parent, String modelType, int vocab) {
    ObjectNode t = parent.putObject("text_config");
    t.put("model_type", modelType).put("vocab_size", vocab).put("hidden_size", TEXT_HIDDEN)
        .put("intermediate_size", TEXT_FFN).put("num_hidden_layers", TEXT_LAYERS).put("num_attention_heads", TEXT_HEADS)
        .put("num_key_value_heads", TEXT_KV_HEADS).put("head_dim", HEAD_DIM).put("hidden_act", "silu")
        .put("max_position_embeddings", 4096).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
        .put("initializer_range", 0.02).put("torch_dtype", "float32");
    return t;
  }

  private static void visionConfig(ObjectNode parent, String modelType, int patch) {
    parent.putObject("vision_config").put("model_type", modelType).put("hidden_size", VISION_HIDDEN)
        .put("intermediate_size", VISION_FFN).put("num_hidden_layers", VISION_LAYERS)
        .put("num_attention_heads", VISION_HEADS).put("num_channels", 3).put("image_size", IMAGE_SIZE)
        .put("patch_size", patch).put("hidden_act", "gelu_pytorch_tanh").put("layer_norm_eps", 1e-6)
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

  private static ObjectNode idefics2Preprocessor() {
    ObjectNode c = imageProcessorCommon("Idefics2ImageProcessor", "Idefics2Processor");
    c.put("resample", 2);
    c.putObject("size").put("shortest_edge", IMAGE_SIZE).put("longest_edge", 2 * IMAGE_SIZE);
    return c;
  }

  private static ObjectNode idefics3Preprocessor() {
    ObjectNode c = imageProcessorCommon("Idefics3ImageProcessor", "Idefics3Processor");
    c.put("resample", 1);
    c.putObject("size").put("longest_edge", IMAGE_SIZE);
    c.putObject("max_image_size").put("longest_edge", IMAGE_SIZE);
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
  static Map<String, long[]> shapes(VlmFamily family, int vocab) {
    Map<String, long[]> s = new LinkedHashMap<>();
    boolean v2 = family == VlmFamily.IDEFICS2;
    int patch = v2 ? IDEFICS2_PATCH : IDEFICS3_PATCH;
    long d = VISION_HIDDEN, grid = (IMAGE_SIZE / patch) * (IMAGE_SIZE / patch);
    String v = "model.vision_model.";
    s.put(v + "embeddings.patch_embedding.weight", new long[] {d, 3, patch, patch});
    s.put(v + "embeddings.patch_embedding.bias", new long[] {d});
    s.put(v + "embeddings.position_embedding.weight", new long[] {grid, d});
    for (int i = 0; i < VISION_LAYERS; i++) {
      String l = v + "encoder.layers." + i + ".";
      for (String n : List.of("layer_norm1", "layer_norm2")) { s.put(l + n + ".weight", new long[] {d}); s.put(l + n + ".bias", new long[] {d}); }
      for (String n : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
        s.put(l + "self_attn." + n + ".weight", new long[] {d, d});
        s.put(l + "self_attn." + n + ".bias", new long[] {d});
      }
      s.put(l + "mlp.fc1.weight", new long[] {VISION_FFN, d});
      s.put(l + "mlp.fc1.bias", new long[] {VISION_FFN});
      s.put(l + "mlp.fc2.weight", new long[] {d, VISION_FFN});
      s.put(l + "mlp.fc2.bias", new long[] {d});
    }
    s.put(v + "post_layernorm.weight", new long[] {d});
    s.put(v + "post_layernorm.bias", new long[] {d});
    long h = TEXT_HIDDEN;
    String c = "model.connector.";
    if (v2) {
      gatedMlp(s, c + "modality_projection.", d, TEXT_FFN, h);
      String r = c + "perceiver_resampler.";
      s.put(r + "latents", new long[] {LATENTS, h});
      for (int i = 0; i < RESAMPLER_DEPTH; i++) {
        String l = r + "layers." + i + ".";
        for (String n : List.of("input_latents_norm", "input_context_norm", "post_attention_layernorm")) s.put(l + n + ".weight", new long[] {h});
        s.put(l + "self_attn.q_proj.weight", new long[] {RESAMPLER_HEADS * HEAD_DIM, h});
        s.put(l + "self_attn.k_proj.weight", new long[] {RESAMPLER_KV_HEADS * HEAD_DIM, h});
        s.put(l + "self_attn.v_proj.weight", new long[] {RESAMPLER_KV_HEADS * HEAD_DIM, h});
        s.put(l + "self_attn.o_proj.weight", new long[] {h, RESAMPLER_HEADS * HEAD_DIM});
        gatedMlp(s, l + "mlp.", h, 4 * h, h);
      }
      s.put(r + "norm.weight", new long[] {h});
    } else {
      s.put(c + "modality_projection.proj.weight", new long[] {h, d * SCALE_FACTOR * SCALE_FACTOR});
    }
    String t = "model.text_model.";
    s.put(t + "embed_tokens.weight", new long[] {vocab, h});
    for (int i = 0; i < TEXT_LAYERS; i++) {
      String l = t + "layers." + i + ".";
      s.put(l + "input_layernorm.weight", new long[] {h});
      s.put(l + "post_attention_layernorm.weight", new long[] {h});
      s.put(l + "self_attn.q_proj.weight", new long[] {TEXT_HEADS * HEAD_DIM, h});
      s.put(l + "self_attn.k_proj.weight", new long[] {TEXT_KV_HEADS * HEAD_DIM, h});
      s.put(l + "self_attn.v_proj.weight", new long[] {TEXT_KV_HEADS * HEAD_DIM, h});
      s.put(l + "self_attn.o_proj.weight", new long[] {h, TEXT_HEADS * HEAD_DIM});
      gatedMlp(s, l + "mlp.", h, TEXT_FFN, h);
    }
    s.put(t + "norm.weight", new long[] {h});
    if (v2) s.put("lm_head.weight", new long[] {vocab, h}); // Idefics3's tiny model ties lm_head to embed_tokens
    return s;
  }

  private static void gatedMlp(Map<String, long[]> s, String prefix, long in, long mid, long out) {
    s.put(prefix + "gate_proj.weight", new long[] {mid, in});
    s.put(prefix + "up_proj.weight", new long[] {mid, in});
    s.put(prefix + "down_proj.weight", new long[] {out, mid});
  }

  /** Norm weights near 1, biases and matrices small, embeddings and latents of unit-ish scale: varied, finite logits. */
  static Map<String, Tensor> weights(VlmFamily family, int vocab, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : shapes(family, vocab).entrySet()) {
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
