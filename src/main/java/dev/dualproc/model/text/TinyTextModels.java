package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Random-weight T5 and CLIP text encoders in the real HF folder layout (config.json with transformers' field names,
 * model.safetensors with the checkpoint keys, a real tokenizer.json plus tokenizer_config.json and
 * special_tokens_map.json), small enough for tests to run in milliseconds.
 */
public final class TinyTextModels {
  private TinyTextModels() {}

  public static final int D_MODEL = 32, LAYERS = 2, HEADS = 4, D_FF = 64;
  public static final int T5_EXTRA_IDS = 8;
  public static final int CLIP_MAX_POSITIONS = 77;
  static final int CLIP_MERGES = 600;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // ---------------------------------------------------------------- T5

  /** A T5 v1.1 encoder (gated-GELU) with its Unigram/Metaspace tokenizer, all in {@code dir}. */
  public static T5Config writeT5(Path dir, long seed) { return writeT5(dir, dir, seed); }

  /** Weights and config in {@code modelDir} (FLUX's text_encoder_2/), tokenizer files in {@code tokenizerDir} (tokenizer_2/). */
  public static T5Config writeT5(Path modelDir, Path tokenizerDir, long seed) {
    List<Object[]> pieces = t5Pieces();
    int tokenizerSize = pieces.size();
    int vocabSize = (tokenizerSize + 7) / 8 * 8 + 8; // embedding rows past the tokenizer, as t5-v1_1 has 32128 for 32100
    ObjectNode cfg = JSON.createObjectNode();
    cfg.putArray("architectures").add("T5EncoderModel");
    cfg.put("classifier_dropout", 0.0).put("d_ff", D_FF).put("d_kv", D_MODEL / HEADS).put("d_model", D_MODEL)
        .put("decoder_start_token_id", 0).put("dense_act_fn", "gelu_new").put("dropout_rate", 0.1).put("eos_token_id", 1)
        .put("feed_forward_proj", "gated-gelu").put("initializer_factor", 1.0).put("is_encoder_decoder", true)
        .put("is_gated_act", true).put("layer_norm_epsilon", 1e-6).put("model_type", "t5").put("num_decoder_layers", LAYERS)
        .put("num_heads", HEADS).put("num_layers", LAYERS).put("output_past", true).put("pad_token_id", 0)
        .put("relative_attention_max_distance", 128).put("relative_attention_num_buckets", 32)
        .put("tie_word_embeddings", false).put("torch_dtype", "float32").put("use_cache", true).put("vocab_size", vocabSize);
    T5Config config = T5Config.from(new ConfigJson("tiny", cfg));

    Generator g = Rng.generator(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    int inner = config.innerDim();
    w.put("shared.weight", normal(g, 1.0, vocabSize, D_MODEL));
    for (int i = 0; i < LAYERS; i++) {
      String b = "encoder.block." + i + ".";
      w.put(b + "layer.0.SelfAttention.q.weight", normal(g, Math.pow((double) D_MODEL * config.dKv(), -0.5), inner, D_MODEL));
      w.put(b + "layer.0.SelfAttention.k.weight", normal(g, Math.pow(D_MODEL, -0.5), inner, D_MODEL));
      w.put(b + "layer.0.SelfAttention.v.weight", normal(g, Math.pow(D_MODEL, -0.5), inner, D_MODEL));
      w.put(b + "layer.0.SelfAttention.o.weight", normal(g, Math.pow(inner, -0.5), D_MODEL, inner));
      if (i == 0) w.put(b + "layer.0.SelfAttention.relative_attention_bias.weight", normal(g, 1.0, 32, HEADS));
      w.put(b + "layer.0.layer_norm.weight", nearOne(g, D_MODEL));
      w.put(b + "layer.1.DenseReluDense.wi_0.weight", normal(g, Math.pow(D_MODEL, -0.5), D_FF, D_MODEL));
      w.put(b + "layer.1.DenseReluDense.wi_1.weight", normal(g, Math.pow(D_MODEL, -0.5), D_FF, D_MODEL));
      w.put(b + "layer.1.DenseReluDense.wo.weight", normal(g, Math.pow(D_FF, -0.5), D_MODEL, D_FF));
      w.put(b + "layer.1.layer_norm.weight", nearOne(g, D_MODEL));
    }
    w.put("encoder.final_layer_norm.weight", nearOne(g, D_MODEL));
    SafeTensorsWriter.write(modelDir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    writeJson(modelDir.resolve("config.json"), cfg);
    writePieces(tokenizerDir, pieces);
    return config;
  }

  /** SentencePiece-style pieces with log-probability scores: specials, "▁word" for known words, suffixes, single characters. */
  static List<Object[]> t5Pieces() { return t5Pieces(TinyVocabulary.WORDS); }

  /** As {@link #t5Pieces()} over {@code words} (most frequent first): each word one piece, characters as the fallback. */
  static List<Object[]> t5Pieces(List<String> words) {
    List<Object[]> p = new ArrayList<>();
    p.add(new Object[] {"<pad>", 0.0});
    p.add(new Object[] {"</s>", 0.0});
    p.add(new Object[] {"<unk>", 0.0});
    p.add(new Object[] {"\u2581", -2.0});
    for (int i = 0; i < words.size(); i++) p.add(new Object[] {"\u2581" + words.get(i), -4.0 - 0.02 * i});
    for (String s : new String[] {"s", "ed", "ing", "er", "ly", "es"}) p.add(new Object[] {s, -8.0});
    for (char c = 'a'; c <= 'z'; c++) p.add(new Object[] {String.valueOf(c), -10.0});
    for (char c = 'A'; c <= 'Z'; c++) p.add(new Object[] {String.valueOf(c), -11.0});
    for (char c = '0'; c <= '9'; c++) p.add(new Object[] {String.valueOf(c), -11.0});
    for (char c : ".,!?'\"-:;()".toCharArray()) p.add(new Object[] {String.valueOf(c), -11.0});
    for (int i = T5_EXTRA_IDS - 1; i >= 0; i--) p.add(new Object[] {"<extra_id_" + i + ">", 0.0}); // as T5Converter appends them
    return p;
  }

  /**
   * A word-level T5 tokenizer over {@code words} (tokenizer.json, special_tokens_map.json, tokenizer_config.json):
   * every word is one piece, anything else falls back to characters. Returns the number of pieces (ids 0..n-1).
   */
  public static int writeT5Tokenizer(Path dir, List<String> words) {
    List<Object[]> pieces = t5Pieces(words);
    writePieces(dir, pieces);
    return pieces.size();
  }

  private static void writePieces(Path dir, List<Object[]> pieces) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < pieces.size(); id++) {
      String piece = (String) pieces.get(id)[0];
      if (id <= 2 || piece.startsWith("<extra_id_")) addedToken(added, id, piece, false);
    }
    ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
    ObjectNode collapse = normalizer.putArray("normalizers").addObject().put("type", "Replace");
    collapse.putObject("pattern").put("Regex", " {2,}");
    collapse.put("content", " ");
    root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ObjectNode eos = post.putObject("special_tokens").putObject("</s>").put("id", "</s>");
    eos.putArray("ids").add(1);
    eos.putArray("tokens").add("</s>");
    root.putObject("decoder").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
    ObjectNode model = root.putObject("model").put("type", "Unigram").put("unk_id", 2);
    ArrayNode vocab = model.putArray("vocab");
    for (Object[] p : pieces) vocab.addArray().add((String) p[0]).add((Double) p[1]);
    model.put("byte_fallback", false);
    writeJson(dir.resolve("tokenizer.json"), root);

    List<String> extra = new ArrayList<>();
    for (int i = 0; i < T5_EXTRA_IDS; i++) extra.add("<extra_id_" + i + ">");
    ObjectNode map = JSON.createObjectNode();
    ArrayNode extraNode = map.putArray("additional_special_tokens");
    extra.forEach(extraNode::add);
    map.set("eos_token", tokenObject("</s>", false));
    map.set("pad_token", tokenObject("<pad>", false));
    map.set("unk_token", tokenObject("<unk>", false));
    writeJson(dir.resolve("special_tokens_map.json"), map);
    ObjectNode tc = JSON.createObjectNode();
    ArrayNode extraCfg = tc.putArray("additional_special_tokens");
    extra.forEach(extraCfg::add);
    tc.put("clean_up_tokenization_spaces", true).put("eos_token", "</s>").put("extra_ids", T5_EXTRA_IDS).put("legacy", true)
        .put("model_max_length", 512).put("pad_token", "<pad>").put("tokenizer_class", "T5Tokenizer").put("unk_token", "<unk>");
    writeJson(dir.resolve("tokenizer_config.json"), tc);
  }

  // ---------------------------------------------------------------- CLIP

  /** A CLIP text model (quick-GELU, causal) with its byte-level BPE tokenizer, all in {@code dir}. */
  public static ClipTextConfig writeClip(Path dir, long seed) { return writeClip(dir, dir, seed); }

  /** Weights and config in {@code modelDir} (FLUX's text_encoder/), tokenizer files in {@code tokenizerDir} (tokenizer/). */
  public static ClipTextConfig writeClip(Path modelDir, Path tokenizerDir, long seed) {
    Map<String, Integer> vocab = writeClipTokenizer(tokenizerDir);
    int vocabSize = vocab.size();
    int bos = vocab.get("<|startoftext|>"), eos = vocab.get("<|endoftext|>");
    ObjectNode cfg = JSON.createObjectNode();
    cfg.putArray("architectures").add("CLIPTextModel");
    cfg.put("attention_dropout", 0.0).put("bos_token_id", bos).put("dropout", 0.0).put("eos_token_id", eos)
        .put("hidden_act", "quick_gelu").put("hidden_size", D_MODEL).put("initializer_factor", 1.0)
        .put("initializer_range", 0.02).put("intermediate_size", D_FF).put("layer_norm_eps", 1e-5)
        .put("max_position_embeddings", CLIP_MAX_POSITIONS).put("model_type", "clip_text_model")
        .put("num_attention_heads", HEADS).put("num_hidden_layers", LAYERS).put("pad_token_id", 1)
        .put("projection_dim", D_MODEL).put("torch_dtype", "float32").put("vocab_size", vocabSize);

    Generator g = Rng.generator(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("text_model.embeddings.token_embedding.weight", normal(g, 0.5, vocabSize, D_MODEL));
    w.put("text_model.embeddings.position_embedding.weight", normal(g, 0.2, CLIP_MAX_POSITIONS, D_MODEL));
    for (int i = 0; i < LAYERS; i++) {
      String l = "text_model.encoder.layers." + i + ".";
      for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
        w.put(l + "self_attn." + proj + ".weight", normal(g, Math.pow(D_MODEL, -0.5), D_MODEL, D_MODEL));
        w.put(l + "self_attn." + proj + ".bias", normal(g, 0.1, D_MODEL));
      }
      w.put(l + "layer_norm1.weight", nearOne(g, D_MODEL));
      w.put(l + "layer_norm1.bias", normal(g, 0.1, D_MODEL));
      w.put(l + "mlp.fc1.weight", normal(g, Math.pow(D_MODEL, -0.5), D_FF, D_MODEL));
      w.put(l + "mlp.fc1.bias", normal(g, 0.1, D_FF));
      w.put(l + "mlp.fc2.weight", normal(g, Math.pow(D_FF, -0.5), D_MODEL, D_FF));
      w.put(l + "mlp.fc2.bias", normal(g, 0.1, D_MODEL));
      w.put(l + "layer_norm2.weight", nearOne(g, D_MODEL));
      w.put(l + "layer_norm2.bias", normal(g, 0.1, D_MODEL));
    }
    w.put("text_model.final_layer_norm.weight", nearOne(g, D_MODEL));
    w.put("text_model.final_layer_norm.bias", normal(g, 0.1, D_MODEL));
    SafeTensorsWriter.write(modelDir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    writeJson(modelDir.resolve("config.json"), cfg);
    return ClipTextConfig.read(modelDir.resolve("config.json"));
  }

  /** vocab.json + merges.txt as CLIP ships them, the tokenizer.json converted from them, and the two config files. */
  private static Map<String, Integer> writeClipTokenizer(Path dir) { return writeClipTokenizer(dir, TinyVocabulary.WORDS, CLIP_MERGES); }

  /**
   * A CLIP byte-level BPE tokenizer learned from {@code words} with at most {@code merges} merges (enough merges make
   * every word one token): vocab.json, merges.txt, tokenizer.json and the two config files. Returns the vocabulary.
   */
  public static Map<String, Integer> writeClipTokenizer(Path dir, List<String> words, int maxMerges) {
    ClipBpeTraining bpe = ClipBpeTraining.train(words, maxMerges);
    ObjectNode vocabJson = JSON.createObjectNode();
    bpe.vocab().forEach(vocabJson::put);
    writeJson(dir.resolve("vocab.json"), vocabJson);
    StringBuilder merges = new StringBuilder("#version: 0.2\n");
    for (String m : bpe.merges()) merges.append(m).append('\n');
    AtomicFiles.writeString(dir.resolve("merges.txt"), merges.toString());
    ObjectNode tokenizer = ClipBpeConverter.convert(dir.resolve("vocab.json"), dir.resolve("merges.txt"),
        "<|startoftext|>", "<|endoftext|>", "<|endoftext|>");
    writeJson(dir.resolve("tokenizer.json"), tokenizer);

    ObjectNode map = JSON.createObjectNode();
    map.set("bos_token", tokenObject("<|startoftext|>", true));
    map.set("eos_token", tokenObject("<|endoftext|>", true));
    map.put("pad_token", "<|endoftext|>");
    map.set("unk_token", tokenObject("<|endoftext|>", true));
    writeJson(dir.resolve("special_tokens_map.json"), map);
    ObjectNode tc = JSON.createObjectNode();
    tc.put("add_prefix_space", false).put("bos_token", "<|startoftext|>").put("clean_up_tokenization_spaces", true)
        .put("do_lower_case", true).put("eos_token", "<|endoftext|>").put("errors", "replace").put("model_max_length", CLIP_MAX_POSITIONS)
        .put("pad_token", "<|endoftext|>").put("tokenizer_class", "CLIPTokenizer").put("unk_token", "<|endoftext|>");
    writeJson(dir.resolve("tokenizer_config.json"), tc);
    return bpe.vocab();
  }

  // ---------------------------------------------------------------- shared

  private static Tensor normal(Generator g, double std, long... shape) { return Rng.normal(g, shape).mul(new org.bytedeco.pytorch.Scalar(std)); }

  /** Norm scales near 1 but not 1, so that a test notices a scale applied wrongly. */
  private static Tensor nearOne(Generator g, long n) { return normal(g, 0.1, n).add(new org.bytedeco.pytorch.Scalar(1.0)); }

  private static void addedToken(ArrayNode added, int id, String content, boolean normalized) {
    added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", normalized).put("special", true);
  }

  private static ObjectNode tokenObject(String content, boolean normalized) {
    return JSON.createObjectNode().put("content", content).put("lstrip", false).put("normalized", normalized)
        .put("rstrip", false).put("single_word", false);
  }

  private static void writeJson(Path file, ObjectNode node) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(node) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
