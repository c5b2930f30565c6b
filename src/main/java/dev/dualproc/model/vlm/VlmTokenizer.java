package dev.dualproc.model.vlm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The model's own tokenizer.json through the HF tokenizers library (DJL binding). A malformed file makes the native
 * library abort the JVM, so the file is checked in Java first: JSON, model type and its required fields, merges that
 * only name vocabulary entries, added tokens, and the component types. (To be replaced by model.text's validator once
 * it lands on main.)
 */
public final class VlmTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer native_;
  private final Map<String, Long> ids;      // vocabulary plus added tokens
  private final Set<Long> special;
  private final long maxId;
  private final Map<Long, String> names;
  // Llama-class tokenizers: transformers rebuilds the post-processor from add_bos_token/add_eos_token; null otherwise
  private final long[] bos, eos;
  public final Path file;

  private VlmTokenizer(Path file, HuggingFaceTokenizer t, Map<String, Long> ids, Set<Long> special, long[] bos, long[] eos) {
    this.file = file; this.native_ = t; this.ids = ids; this.special = special; this.bos = bos; this.eos = eos;
    this.maxId = ids.values().stream().mapToLong(Long::longValue).max().orElse(-1);
    Map<Long, String> n = new HashMap<>();
    ids.forEach((k, v) -> n.putIfAbsent(v, k));
    this.names = n;
  }

  /** tokenizer.json alone: special tokens are added as its post-processor says. */
  public static VlmTokenizer open(Path tokenizerJson) { return open(tokenizerJson, null); }

  /**
   * tokenizer.json with tokenizer_config.json (may be null or missing): a LlamaTokenizer(Fast) adds BOS and EOS as
   * add_bos_token (default true) and add_eos_token (default false) say, whatever the file's post-processor does.
   */
  public static VlmTokenizer open(Path tokenizerJson, Path tokenizerConfig) {
    Checked c = check(tokenizerJson);
    long[][] bosEos = llamaSpecials(tokenizerConfig, c.ids);
    try {
      HuggingFaceTokenizer t = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
          .optAddSpecialTokens(true).optTruncation(false).optPadding(false).build();
      return new VlmTokenizer(tokenizerJson, t, c.ids, c.special, bosEos[0], bosEos[1]);
    } catch (IOException | RuntimeException e) {
      throw new DualprocException(tokenizerJson + ": the tokenizers library rejected the file (" + e.getMessage() + ")", e);
    }
  }

  private static long[][] llamaSpecials(Path config, Map<String, Long> ids) {
    if (config == null || !Files.isRegularFile(config)) return new long[2][];
    JsonConfig c = JsonConfig.read(config);
    String cls = c.node.path("tokenizer_class").asText("");
    if (!cls.equals("LlamaTokenizer") && !cls.equals("LlamaTokenizerFast")) return new long[2][];
    long[] bos = c.bool("add_bos_token", true) ? new long[] {specialId(c, "bos_token", ids)} : new long[0];
    long[] eos = c.bool("add_eos_token", false) ? new long[] {specialId(c, "eos_token", ids)} : new long[0];
    return new long[][] {bos, eos};
  }

  /** A special token named as a string or as a serialized AddedToken ({"content": ...}). */
  private static long specialId(JsonConfig c, String field, Map<String, Long> ids) {
    JsonNode n = c.node.get(field);
    String content = n == null ? null : n.isTextual() ? n.textValue() : n.path("content").isTextual() ? n.get("content").textValue() : null;
    if (content == null) throw new DualprocException(c.where + ": " + field + " must be a token (string or {\"content\": ...})");
    Long id = ids.get(content);
    if (id == null) throw new DualprocException(c.where + ": " + field + " '" + content + "' is not in tokenizer.json");
    return id;
  }

  /** Token ids as the HF processor gets them: with the special tokens its tokenizer adds (e.g. BOS). */
  public long[] encode(String text) {
    if (bos == null) return native_.encode(text, true, false).getIds();
    long[] body = native_.encode(text, false, false).getIds();
    long[] out = new long[bos.length + body.length + eos.length];
    System.arraycopy(bos, 0, out, 0, bos.length);
    System.arraycopy(body, 0, out, bos.length, body.length);
    System.arraycopy(eos, 0, out, bos.length + body.length, eos.length);
    return out;
  }

  /** The token strings of {@link #encode}. */
  public String[] tokens(String text) {
    long[] e = encode(text);
    String[] out = new String[e.length];
    for (int i = 0; i < e.length; i++) out[i] = names.getOrDefault(e[i], "<" + e[i] + ">");
    return out;
  }

  /** Text of the ids, special tokens skipped (as batch_decode(..., skip_special_tokens=True)). */
  public String decode(long[] tokenIds) { return native_.decode(tokenIds, true); }

  /** The id of a vocabulary entry or added token, or -1. */
  public long id(String token) { return ids.getOrDefault(token, -1L); }

  public long requireId(String token) {
    long id = id(token);
    if (id < 0) throw new DualprocException(file + ": the tokenizer has no token '" + token + "'");
    return id;
  }

  public boolean isSpecial(long id) { return special.contains(id); }

  /** The largest id the tokenizer can produce. */
  public long maxId() { return maxId; }

  @Override public void close() { native_.close(); }

  // ---- Java-side check of tokenizer.json -------------------------------------------------------------------------

  private record Checked(Map<String, Long> ids, Set<Long> special) {}

  private static final Set<String> MODELS = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");
  private static final Set<String> NORMALIZERS = Set.of("Sequence", "Prepend", "Replace", "NFC", "NFD", "NFKC", "NFKD",
      "Lowercase", "Strip", "StripAccents", "BertNormalizer", "Precompiled", "Nmt", "ByteLevel");
  private static final Set<String> PRE_TOKENIZERS = Set.of("Sequence", "ByteLevel", "Metaspace", "Whitespace",
      "WhitespaceSplit", "BertPreTokenizer", "Split", "Punctuation", "Digits", "CharDelimiterSplit", "UnicodeScripts");
  private static final Set<String> POST_PROCESSORS = Set.of("Sequence", "TemplateProcessing", "ByteLevel", "BertProcessing", "RobertaProcessing");
  private static final Set<String> DECODERS = Set.of("Sequence", "ByteLevel", "Metaspace", "WordPiece", "BPEDecoder",
      "Replace", "ByteFallback", "Fuse", "Strip", "CTC");

  private static Checked check(Path file) {
    if (!Files.isRegularFile(file)) throw new DualprocException(file + ": missing (expected the model's tokenizer.json)");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new DualprocException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    if (root == null || !root.isObject()) throw bad(file, "the top level must be a JSON object");
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) throw bad(file, "missing object 'model'");
    String type = model.path("type").isTextual() ? model.get("type").textValue()
        : model.has("merges") ? "BPE" : model.path("vocab").isArray() ? "Unigram" : null;
    if (type == null || !MODELS.contains(type)) throw bad(file, "model.type must be one of " + MODELS + ", got " + model.get("type"));
    Map<String, Long> ids = new HashMap<>();
    switch (type) {
      case "Unigram" -> {
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isArray()) throw bad(file, "model.vocab of a Unigram model must be a list of [piece, score]");
        for (int i = 0; i < vocab.size(); i++) {
          JsonNode e = vocab.get(i);
          if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber())
            throw bad(file, "model.vocab[" + i + "] must be [piece, score]");
          ids.put(e.get(0).textValue(), (long) i);
        }
        if (model.has("unk_id") && !model.get("unk_id").isNull()) {
          JsonNode u = model.get("unk_id");
          if (!u.canConvertToLong() || u.longValue() < 0 || u.longValue() >= vocab.size()) throw bad(file, "model.unk_id is outside the vocabulary");
        }
      }
      default -> {
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) throw bad(file, "model.vocab must be an object of token -> id");
        for (var it = vocab.fields(); it.hasNext(); ) {
          var e = it.next();
          if (!e.getValue().isIntegralNumber() || e.getValue().longValue() < 0 || e.getValue().longValue() > Integer.MAX_VALUE)
            throw bad(file, "model.vocab['" + e.getKey() + "'] must be a non-negative integer id");
          ids.put(e.getKey(), e.getValue().longValue());
        }
        JsonNode unk = model.get("unk_token");
        if (unk != null && !unk.isNull() && (!unk.isTextual() || !ids.containsKey(unk.textValue())))
          throw bad(file, "model.unk_token " + unk + " is not in the vocabulary");
        if (type.equals("BPE")) checkMerges(file, model.get("merges"), ids);
      }
    }
    Set<Long> special = new HashSet<>();
    JsonNode added = root.get("added_tokens");
    if (added != null && !added.isNull()) {
      if (!added.isArray()) throw bad(file, "added_tokens must be a list");
      for (int i = 0; i < added.size(); i++) {
        JsonNode t = added.get(i);
        if (!t.isObject() || !t.path("id").isIntegralNumber() || t.get("id").longValue() < 0 || !t.path("content").isTextual()
            || t.get("content").textValue().isEmpty())
          throw bad(file, "added_tokens[" + i + "] must have a non-negative integer 'id' and a non-empty 'content'");
        ids.put(t.get("content").textValue(), t.get("id").longValue());
        if (t.path("special").asBoolean(false)) special.add(t.get("id").longValue());
      }
    }
    checkComponent(file, root.get("normalizer"), "normalizer", NORMALIZERS, "normalizers");
    checkComponent(file, root.get("pre_tokenizer"), "pre_tokenizer", PRE_TOKENIZERS, "pretokenizers");
    checkComponent(file, root.get("post_processor"), "post_processor", POST_PROCESSORS, "processors");
    checkComponent(file, root.get("decoder"), "decoder", DECODERS, "decoders");
    checkTemplate(file, root.get("post_processor"), ids);
    return new Checked(Map.copyOf(ids), Set.copyOf(special));
  }

  private static void checkMerges(Path file, JsonNode merges, Map<String, Long> vocab) {
    if (merges == null || !merges.isArray()) throw bad(file, "model.merges of a BPE model must be a list");
    for (int i = 0; i < merges.size(); i++) {
      JsonNode m = merges.get(i);
      String a, b;
      if (m.isTextual()) {
        String[] parts = m.textValue().split(" ", -1);
        if (parts.length != 2) throw bad(file, "model.merges[" + i + "] must be two tokens separated by one space");
        a = parts[0]; b = parts[1];
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        a = m.get(0).textValue(); b = m.get(1).textValue();
      } else throw bad(file, "model.merges[" + i + "] must be \"a b\" or [a, b]");
      if (!vocab.containsKey(a) || !vocab.containsKey(b) || !vocab.containsKey(a + b))
        throw bad(file, "model.merges[" + i + "] (" + a + " + " + b + ") names a token missing from model.vocab");
    }
  }

  private static void checkComponent(Path file, JsonNode n, String where, Set<String> known, String listField) {
    if (n == null || n.isNull()) return;
    if (!n.isObject() || !n.path("type").isTextual()) throw bad(file, where + " must be null or an object with a 'type'");
    String t = n.get("type").textValue();
    if (!known.contains(t)) throw bad(file, where + ".type '" + t + "' is not one the tokenizers library knows " + known);
    if (t.equals("Sequence")) {
      JsonNode list = n.get(listField);
      if (list == null || !list.isArray()) throw bad(file, where + " Sequence needs a list '" + listField + "'");
      for (int i = 0; i < list.size(); i++) checkComponent(file, list.get(i), where + "." + listField + "[" + i + "]", known, listField);
    }
  }

  private static void checkTemplate(Path file, JsonNode pp, Map<String, Long> ids) {
    if (pp == null || pp.isNull()) return;
    if (pp.path("type").asText().equals("Sequence")) { for (JsonNode p : pp.path("processors")) checkTemplate(file, p, ids); return; }
    if (!pp.path("type").asText().equals("TemplateProcessing")) return;
    JsonNode st = pp.get("special_tokens");
    if (st != null && !st.isObject()) throw bad(file, "post_processor.special_tokens must be an object");
    Set<String> declared = new HashSet<>();
    if (st != null) for (var it = st.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode v = e.getValue();
      if (!v.path("ids").isArray() || !v.path("tokens").isArray() || v.get("ids").size() != v.get("tokens").size())
        throw bad(file, "post_processor.special_tokens['" + e.getKey() + "'] needs lists 'ids' and 'tokens' of equal length");
      for (JsonNode id : v.get("ids")) if (!id.isIntegralNumber() || id.longValue() < 0) throw bad(file, "post_processor.special_tokens['" + e.getKey() + "'] has a bad id " + id);
      declared.add(e.getKey());
    }
    for (String part : List.of("single", "pair")) {
      JsonNode list = pp.get(part);
      if (list == null || list.isNull()) continue;
      if (!list.isArray()) throw bad(file, "post_processor." + part + " must be a list");
      for (JsonNode piece : list) {
        JsonNode sp = piece.get("SpecialToken");
        if (sp != null && !declared.contains(sp.path("id").asText()))
          throw bad(file, "post_processor." + part + " uses special token '" + sp.path("id").asText() + "' that special_tokens does not declare");
      }
    }
  }

  private static DualprocException bad(Path file, String what) { return new DualprocException(file + ": " + what); }
}
