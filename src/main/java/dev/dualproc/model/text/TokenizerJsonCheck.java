package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualproc.engine.DualprocException;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Checks a tokenizer.json against the schema of the HF tokenizers library before the native tokenizer sees it: a
 * malformed file can make the Rust side panic, which aborts the whole JVM (notes/libtorch-java.md, gotcha 7). Every
 * violation is a DualprocException naming the file and the JSON path of the field.
 */
public final class TokenizerJsonCheck {
  static final Set<String> MODELS = Set.of("BPE", "WordPiece", "Unigram", "WordLevel");
  static final Set<String> NORMALIZERS = Set.of("BertNormalizer", "Strip", "StripAccents", "NFC", "NFD", "NFKC", "NFKD",
      "Sequence", "Lowercase", "Nmt", "Precompiled", "Replace", "Prepend", "ByteLevel");
  static final Set<String> PRE_TOKENIZERS = Set.of("BertPreTokenizer", "ByteLevel", "CharDelimiterSplit", "Metaspace",
      "Whitespace", "WhitespaceSplit", "Sequence", "Split", "Punctuation", "Digits", "UnicodeScripts", "FixedLength");
  static final Set<String> POST_PROCESSORS = Set.of("RobertaProcessing", "BertProcessing", "ByteLevel", "TemplateProcessing", "Sequence");
  static final Set<String> DECODERS = Set.of("BPEDecoder", "ByteLevel", "WordPiece", "Metaspace", "CTC", "Sequence",
      "Replace", "Fuse", "Strip", "ByteFallback");
  static final Set<String> SPLIT_BEHAVIORS = Set.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous");
  private static final long MAX_ID = 0xFFFF_FFFFL; // token ids are u32 on the Rust side

  private final String file;
  private final Map<String, Long> tokenIds = new java.util.HashMap<>(); // model vocab, then added tokens
  private final Set<Long> specialIds = new HashSet<>();                 // added tokens marked special

  private TokenizerJsonCheck(String file) { this.file = file; }

  /** Throws a DualprocException at the first violation; returns the vocabulary size of the model (without added tokens). */
  static int check(String file, JsonNode root) {
    return new TokenizerJsonCheck(file).root(root);
  }

  /** A checked file: the model's vocabulary size, every token's id (the vocab's, then added tokens it lacks), the special ids. */
  public record Checked(int vocabSize, Map<String, Long> ids, Set<Long> special) {}

  /** Reads and checks a tokenizer.json file (a missing file or bad JSON is a DualprocException naming it too). */
  public static Checked checkFile(java.nio.file.Path file) {
    if (!java.nio.file.Files.isRegularFile(file)) throw new DualprocException(file + ": missing (expected the model's tokenizer.json)");
    JsonNode root;
    try {
      root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
    } catch (java.io.IOException e) {
      throw new DualprocException(file + ": not valid JSON (" + ConfigJson.firstLine(e.getMessage()) + ")", e);
    }
    TokenizerJsonCheck c = new TokenizerJsonCheck(file.toString());
    int vocabSize = c.root(root);
    return new Checked(vocabSize, Map.copyOf(c.tokenIds), Set.copyOf(c.specialIds));
  }

  private int root(JsonNode root) {
    if (root == null || !root.isObject()) throw fail("(root)", "expected a JSON object, got " + kind(root));
    JsonNode version = root.get("version");
    if (version != null && !version.isNull() && !(version.isTextual() && version.asText().equals("1.0")))
      throw fail("version", "expected \"1.0\", got " + ConfigJson.brief(version));
    JsonNode model = root.get("model");
    if (model == null || model.isNull()) throw fail("model", "missing (expected an object with a \"type\")");
    int vocabSize = model(model);
    addedTokens(root.get("added_tokens"));
    optionalComponent(root.get("normalizer"), "normalizer", NORMALIZERS, this::normalizer);
    optionalComponent(root.get("pre_tokenizer"), "pre_tokenizer", PRE_TOKENIZERS, this::preTokenizer);
    optionalComponent(root.get("post_processor"), "post_processor", POST_PROCESSORS, this::postProcessor);
    optionalComponent(root.get("decoder"), "decoder", DECODERS, this::decoder);
    truncation(root.get("truncation"));
    padding(root.get("padding"));
    return vocabSize;
  }

  // ---- model ----

  private int model(JsonNode m) {
    if (!m.isObject()) throw fail("model", "expected an object, got " + kind(m));
    String type = type(m, "model", MODELS);
    return switch (type) {
      case "BPE" -> bpe(m);
      case "WordPiece" -> {
        int n = vocabObject(m, "model.vocab").size();
        String unk = requireString(m, "model", "unk_token");
        if (!m.get("vocab").has(unk)) throw fail("model.unk_token", "'" + unk + "' is not in model.vocab");
        optString(m, "model", "continuing_subword_prefix");
        optCount(m, "model", "max_input_chars_per_word");
        yield n;
      }
      case "WordLevel" -> {
        int n = vocabObject(m, "model.vocab").size();
        String unk = requireString(m, "model", "unk_token");
        if (!m.get("vocab").has(unk)) throw fail("model.unk_token", "'" + unk + "' is not in model.vocab");
        yield n;
      }
      case "Unigram" -> unigram(m);
      default -> throw new IllegalStateException(type);
    };
  }

  private int bpe(JsonNode m) {
    Map<String, Long> vocab = vocabObject(m, "model.vocab");
    JsonNode dropout = m.get("dropout");
    if (dropout != null && !dropout.isNull() && (!dropout.isNumber() || dropout.asDouble() < 0 || dropout.asDouble() > 1))
      throw fail("model.dropout", "expected null or a number in [0, 1], got " + ConfigJson.brief(dropout));
    String unk = optString(m, "model", "unk_token");
    if (unk != null && !vocab.containsKey(unk)) throw fail("model.unk_token", "'" + unk + "' is not in model.vocab");
    String prefix = optString(m, "model", "continuing_subword_prefix");
    optString(m, "model", "end_of_word_suffix");
    for (String flag : new String[] {"fuse_unk", "byte_fallback", "ignore_merges"}) optBoolean(m, "model", flag);
    JsonNode merges = m.get("merges");
    if (merges == null || merges.isNull()) throw fail("model.merges", "missing (expected an array of \"a b\" strings or [a, b] pairs)");
    if (!merges.isArray()) throw fail("model.merges", "expected an array of \"a b\" strings or [a, b] pairs, got " + kind(merges));
    for (int i = 0; i < merges.size(); i++) {
      JsonNode e = merges.get(i);
      String path = "model.merges[" + i + "]";
      String a, b;
      if (e.isTextual()) {
        String[] parts = e.asText().split(" ", -1);
        if (parts.length != 2) throw fail(path, "expected two tokens separated by one space, got " + ConfigJson.brief(e));
        a = parts[0]; b = parts[1];
      } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
        a = e.get(0).asText(); b = e.get(1).asText();
      } else {
        throw fail(path, "expected a string \"a b\" or a pair [\"a\", \"b\"], got " + ConfigJson.brief(e));
      }
      String merged = a + (prefix != null && b.startsWith(prefix) ? b.substring(prefix.length()) : b);
      for (String t : new String[] {a, b, merged})
        if (!vocab.containsKey(t)) throw fail(path, "token '" + t + "' is not in model.vocab");
    }
    return vocab.size();
  }

  private int unigram(JsonNode m) {
    JsonNode vocab = m.get("vocab");
    if (vocab == null || vocab.isNull()) throw fail("model.vocab", "missing (expected an array of [piece, score] pairs)");
    if (!vocab.isArray()) throw fail("model.vocab", "expected an array of [piece, score] pairs, got " + kind(vocab));
    if (vocab.isEmpty()) throw fail("model.vocab", "is empty");
    for (int i = 0; i < vocab.size(); i++) {
      JsonNode e = vocab.get(i);
      if (!(e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isNumber()))
        throw fail("model.vocab[" + i + "]", "expected a [piece, score] pair, got " + ConfigJson.brief(e));
      tokenIds.putIfAbsent(e.get(0).asText(), (long) i);
    }
    JsonNode unk = m.get("unk_id");
    if (unk != null && !unk.isNull()) {
      if (!unk.isIntegralNumber() || !unk.canConvertToLong()) throw fail("model.unk_id", "expected null or an integer, got " + ConfigJson.brief(unk));
      if (unk.asLong() < 0 || unk.asLong() >= vocab.size())
        throw fail("model.unk_id", unk.asLong() + " is out of range: the vocab has " + vocab.size() + " pieces");
    }
    optBoolean(m, "model", "byte_fallback");
    return vocab.size();
  }

  private Map<String, Long> vocabObject(JsonNode m, String path) {
    JsonNode v = m.get("vocab");
    if (v == null || v.isNull()) throw fail(path, "missing (expected an object of token -> id)");
    if (!v.isObject()) throw fail(path, "expected an object of token -> id, got " + kind(v));
    Map<String, Long> out = new java.util.HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode id = e.getValue();
      if (!isId(id))
        throw fail(path + "['" + e.getKey() + "']", "expected a non-negative integer id, got " + ConfigJson.brief(id));
      out.put(e.getKey(), id.asLong());
    }
    tokenIds.putAll(out);
    return out;
  }

  // ---- added tokens ----

  private void addedTokens(JsonNode a) {
    if (a == null || a.isNull()) return;
    if (!a.isArray()) throw fail("added_tokens", "expected an array of {id, content, ...} objects, got " + kind(a));
    for (int i = 0; i < a.size(); i++) {
      JsonNode t = a.get(i);
      String path = "added_tokens[" + i + "]";
      if (!t.isObject()) throw fail(path, "expected an object {id, content, ...}, got " + kind(t));
      JsonNode id = t.get("id");
      if (id == null || !isId(id))
        throw fail(path + ".id", "expected a non-negative integer, got " + (id == null ? "nothing" : ConfigJson.brief(id)));
      JsonNode content = t.get("content");
      if (content == null || !content.isTextual() || content.asText().isEmpty())
        throw fail(path + ".content", "expected a non-empty string, got " + (content == null ? "nothing" : ConfigJson.brief(content)));
      for (String flag : new String[] {"single_word", "lstrip", "rstrip", "normalized", "special"}) optBoolean(t, path, flag);
      tokenIds.putIfAbsent(content.asText(), id.asLong());
      if (t.path("special").asBoolean(false)) specialIds.add(id.asLong());
    }
  }

  // ---- pipeline components ----

  private interface Component { void check(JsonNode n, String path, String type); }

  private void optionalComponent(JsonNode n, String path, Set<String> known, Component c) {
    if (n == null || n.isNull()) return;
    if (!n.isObject()) throw fail(path, "expected null or an object with a \"type\", got " + kind(n));
    c.check(n, path, type(n, path, known));
  }

  private void sequence(JsonNode n, String path, String field, Set<String> known, Component c) {
    JsonNode list = n.get(field);
    if (list == null || !list.isArray()) throw fail(path + "." + field, "expected an array, got " + kind(list));
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String p = path + "." + field + "[" + i + "]";
      if (e == null || !e.isObject()) throw fail(p, "expected an object with a \"type\", got " + kind(e));
      c.check(e, p, type(e, p, known));
    }
  }

  private void normalizer(JsonNode n, String path, String type) {
    switch (type) {
      case "Sequence" -> sequence(n, path, "normalizers", NORMALIZERS, this::normalizer);
      case "Replace" -> { pattern(n, path); requireString(n, path, "content"); }
      case "Prepend" -> requireString(n, path, "prepend");
      case "Strip" -> { optBoolean(n, path, "strip_left"); optBoolean(n, path, "strip_right"); }
      case "BertNormalizer" -> {
        for (String f : new String[] {"clean_text", "handle_chinese_chars", "lowercase", "strip_accents"}) optBoolean(n, path, f);
      }
      case "Precompiled" -> precompiled(n, path);
      default -> { }
    }
  }

  /** A damaged charsmap is read natively without bounds checks, so it is checked here unit by unit. */
  private void precompiled(JsonNode n, String path) {
    JsonNode c = n.get("precompiled_charsmap");
    if (c == null || c.isNull()) return; // the library accepts null (no normalization)
    if (!c.isTextual()) throw fail(path + ".precompiled_charsmap", "expected a base64 string, got " + kind(c));
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(c.asText());
    } catch (IllegalArgumentException e) {
      throw fail(path + ".precompiled_charsmap", "not valid base64 (" + e.getMessage() + ")");
    }
    String problem = PrecompiledCharsmap.problem(bytes);
    if (problem != null) throw fail(path + ".precompiled_charsmap", problem);
  }

  private void preTokenizer(JsonNode n, String path, String type) {
    switch (type) {
      case "Sequence" -> sequence(n, path, "pretokenizers", PRE_TOKENIZERS, this::preTokenizer);
      case "Metaspace" -> metaspace(n, path);
      case "ByteLevel" -> { for (String f : new String[] {"add_prefix_space", "trim_offsets", "use_regex"}) optBoolean(n, path, f); }
      case "Split" -> {
        pattern(n, path);
        String b = requireString(n, path, "behavior");
        if (!SPLIT_BEHAVIORS.contains(b)) throw fail(path + ".behavior", "unknown '" + b + "'; expected one of " + SPLIT_BEHAVIORS);
        optBoolean(n, path, "invert");
      }
      case "Punctuation" -> {
        String b = optString(n, path, "behavior");
        if (b != null && !SPLIT_BEHAVIORS.contains(b)) throw fail(path + ".behavior", "unknown '" + b + "'; expected one of " + SPLIT_BEHAVIORS);
      }
      case "CharDelimiterSplit" -> oneChar(n, path, "delimiter", true);
      case "Digits" -> optBoolean(n, path, "individual_digits");
      case "FixedLength" -> optCount(n, path, "length");
      default -> { }
    }
  }

  private void metaspace(JsonNode n, String path) {
    oneChar(n, path, "replacement", true);
    optBoolean(n, path, "add_prefix_space");
    optBoolean(n, path, "split");
    String scheme = optString(n, path, "prepend_scheme");
    if (scheme != null && !Set.of("always", "first", "never").contains(scheme))
      throw fail(path + ".prepend_scheme", "unknown '" + scheme + "'; expected always, first or never");
  }

  private void postProcessor(JsonNode n, String path, String type) {
    switch (type) {
      case "Sequence" -> sequence(n, path, "processors", POST_PROCESSORS, this::postProcessor);
      case "BertProcessing", "RobertaProcessing" -> { tokenPair(n, path, "sep"); tokenPair(n, path, "cls"); }
      case "TemplateProcessing" -> template(n, path);
      default -> { }
    }
  }

  private void tokenPair(JsonNode n, String path, String field) {
    JsonNode p = n.get(field);
    if (p == null || !(p.isArray() && p.size() == 2 && p.get(0).isTextual() && isId(p.get(1))))
      throw fail(path + "." + field, "expected a [token, id] pair, got " + kind(p));
    sameId(path + "." + field, p.get(0).asText(), p.get(1).asLong());
  }

  private void template(JsonNode n, String path) {
    JsonNode specials = n.get("special_tokens");
    Set<String> known = new HashSet<>();
    if (specials != null && !specials.isNull()) {
      if (!specials.isObject()) throw fail(path + ".special_tokens", "expected an object, got " + kind(specials));
      for (Iterator<Map.Entry<String, JsonNode>> it = specials.fields(); it.hasNext(); ) {
        var e = it.next();
        String p = path + ".special_tokens['" + e.getKey() + "']";
        JsonNode s = e.getValue();
        if (!s.isObject()) throw fail(p, "expected {id, ids, tokens}, got " + kind(s));
        JsonNode ids = s.get("ids"), tokens = s.get("tokens");
        if (ids == null || !ids.isArray()) throw fail(p + ".ids", "expected an array of ids");
        if (tokens == null || !tokens.isArray()) throw fail(p + ".tokens", "expected an array of strings");
        if (ids.size() != tokens.size()) throw fail(p, "ids and tokens differ in length (" + ids.size() + " vs " + tokens.size() + ")");
        for (JsonNode id : ids)
          if (!isId(id))
            throw fail(p + ".ids", "expected token ids (0 to 2^32-1), got " + ConfigJson.brief(id));
        for (JsonNode t : tokens) if (!t.isTextual()) throw fail(p + ".tokens", "expected strings, got " + ConfigJson.brief(t));
        for (int i = 0; i < ids.size(); i++) sameId(p, tokens.get(i).asText(), ids.get(i).asLong());
        known.add(e.getKey());
      }
    }
    for (String field : new String[] {"single", "pair"}) {
      JsonNode pieces = n.get(field);
      if (pieces == null || pieces.isNull()) throw fail(path + "." + field, "missing (the library needs both single and pair templates)");
      if (!pieces.isArray()) throw fail(path + "." + field, "expected an array of template pieces, got " + kind(pieces));
      for (int i = 0; i < pieces.size(); i++) {
        JsonNode piece = pieces.get(i);
        String p = path + "." + field + "[" + i + "]";
        if (piece.has("Sequence") && piece.get("Sequence").isObject()) {
          String id = piece.get("Sequence").path("id").asText("");
          if (!id.equals("A") && !id.equals("B")) throw fail(p + ".Sequence.id", "expected \"A\" or \"B\", got '" + id + "'");
        } else if (piece.has("SpecialToken") && piece.get("SpecialToken").isObject()) {
          String id = piece.get("SpecialToken").path("id").asText("");
          if (!known.contains(id)) throw fail(p + ".SpecialToken.id", "'" + id + "' is not in " + path + ".special_tokens");
        } else {
          throw fail(p, "expected {\"Sequence\": {...}} or {\"SpecialToken\": {...}}, got " + ConfigJson.brief(piece));
        }
      }
    }
  }

  private void decoder(JsonNode n, String path, String type) {
    switch (type) {
      case "Sequence" -> sequence(n, path, "decoders", DECODERS, this::decoder);
      case "Metaspace" -> metaspace(n, path);
      case "Replace" -> { pattern(n, path); requireString(n, path, "content"); }
      case "Strip" -> { requireString(n, path, "content"); optCount(n, path, "start"); optCount(n, path, "stop"); }
      case "BPEDecoder" -> optString(n, path, "suffix");
      case "WordPiece" -> { optString(n, path, "prefix"); optBoolean(n, path, "cleanup"); }
      default -> { }
    }
  }

  private void pattern(JsonNode n, String path) {
    JsonNode p = n.get("pattern");
    boolean ok = p != null && p.isObject() && p.size() == 1
        && ((p.has("String") && p.get("String").isTextual()) || (p.has("Regex") && p.get("Regex").isTextual()));
    if (!ok) throw fail(path + ".pattern", "expected {\"String\": s} or {\"Regex\": r}, got " + kind(p));
    if (p.has("Regex")) {
      // Oniguruma (native) and java.util.regex agree on the syntax tokenizers use; a rejection here names the field
      try {
        java.util.regex.Pattern.compile(p.get("Regex").asText());
      } catch (java.util.regex.PatternSyntaxException e) {
        throw fail(path + ".pattern.Regex", "not a valid regular expression (" + e.getDescription() + " at index " + e.getIndex() + ")");
      }
    }
  }

  private void truncation(JsonNode t) {
    if (t == null || t.isNull()) return;
    if (!t.isObject()) throw fail("truncation", "expected null or an object, got " + kind(t));
    optCount(t, "truncation", "max_length");
    optCount(t, "truncation", "stride");
    // the library panics on encode when stride >= max_length (TextTokenizer overrides truncation, but the file is wrong)
    JsonNode max = t.get("max_length"), stride = t.get("stride");
    if (max != null && stride != null && max.isIntegralNumber() && stride.isIntegralNumber() && stride.asLong() >= max.asLong())
      throw fail("truncation.stride", stride.asLong() + " must be less than truncation.max_length " + max.asLong());
  }

  private void padding(JsonNode p) {
    if (p == null || p.isNull()) return;
    if (!p.isObject()) throw fail("padding", "expected null or an object, got " + kind(p));
    optCount(p, "padding", "pad_id");
    optCount(p, "padding", "pad_type_id");
    optString(p, "padding", "pad_token");
  }

  /** The post-processor inserts its ids verbatim: they must be the ids the vocabulary gives those tokens. */
  private void sameId(String path, String token, long id) {
    Long known = tokenIds.get(token);
    if (known == null) throw fail(path, "token '" + token + "' is neither in model.vocab nor in added_tokens");
    if (known != id) throw fail(path, "gives '" + token + "' the id " + id + ", but the vocabulary has it as " + known);
  }

  // ---- primitives ----

  private String type(JsonNode n, String path, Set<String> known) {
    JsonNode t = n.get("type");
    if (t == null || !t.isTextual()) throw fail(path + ".type", "missing; expected one of " + new java.util.TreeSet<>(known));
    if (!known.contains(t.asText())) throw fail(path + ".type", "unknown '" + t.asText() + "'; expected one of " + new java.util.TreeSet<>(known));
    return t.asText();
  }

  private String requireString(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) throw fail(path + "." + field, "expected a string, got " + kind(v));
    return v.asText();
  }

  private String optString(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw fail(path + "." + field, "expected null or a string, got " + kind(v));
    return v.asText();
  }

  private void optBoolean(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v != null && !v.isNull() && !v.isBoolean()) throw fail(path + "." + field, "expected true or false, got " + ConfigJson.brief(v));
  }

  private void optCount(JsonNode n, String path, String field) {
    JsonNode v = n.get(field);
    if (v != null && !v.isNull() && !isId(v))
      throw fail(path + "." + field, "expected a non-negative integer, got " + ConfigJson.brief(v));
  }

  private void oneChar(JsonNode n, String path, String field, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) throw fail(path + "." + field, "missing (expected a one-character string)");
      return;
    }
    if (!v.isTextual() || v.asText().codePointCount(0, v.asText().length()) != 1)
      throw fail(path + "." + field, "expected a one-character string, got " + ConfigJson.brief(v));
  }

  /** A u32 on the Rust side; canConvertToLong first, as asLong() wraps big integers round to small ones. */
  private static boolean isId(JsonNode n) {
    return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0 && n.asLong() <= MAX_ID;
  }

  private static String kind(JsonNode n) {
    if (n == null) return "nothing";
    return switch (n.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case STRING -> "a string " + ConfigJson.brief(n);
      case NUMBER -> "a number " + n;
      case BOOLEAN -> "a boolean " + n;
      case NULL -> "null";
      default -> n.getNodeType().toString().toLowerCase();
    };
  }

  private DualprocException fail(String path, String message) {
    return new DualprocException(file + ": " + path + ": " + message);
  }
}
