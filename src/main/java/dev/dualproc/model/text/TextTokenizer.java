package dev.dualproc.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's own HF tokenizer (tokenizer.json through the native HF tokenizers library), checked in Java first.
 * Truncation is the library's (special tokens are kept, as transformers does); padding is done here, on the right,
 * with the model's pad token, so the ids and the attention mask are exactly what a transformers pipeline passes.
 */
public final class TextTokenizer implements AutoCloseable {
  static {
    // DJL would otherwise phone home (EC2 metadata, telemetry) and may try to download natives: we are offline
    if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
  }

  /** Token ids, attention mask (1 = token, 0 = padding) and whether the text was cut to fit. */
  public record Encoded(long[] ids, long[] mask, boolean truncated) {
    public int length() { return ids.length; }
    /** Tokens before the padding. */
    public int tokenCount() { int n = 0; for (long m : mask) n += (int) m; return n; }
  }

  private final TokenizerFiles files;
  private final String json;
  private final Map<String, Long> ids = new HashMap<>();
  private final long maxId;
  private final Long padId;
  private final HuggingFaceTokenizer untruncated;
  private final Map<Integer, HuggingFaceTokenizer> truncating = new ConcurrentHashMap<>();
  private final int specialTokensAdded;
  private final String endOfWordSuffix;

  private TextTokenizer(TokenizerFiles files) {
    this.files = files;
    // padding and truncation are ours; the file's own settings could panic the library (stride >= max_length)
    ObjectNode forNative = files.json().deepCopy();
    forNative.putNull("truncation");
    forNative.putNull("padding");
    this.json = forNative.toString();
    JsonNode model = files.json().get("model");
    if (model.get("type").asText().equals("Unigram")) {
      JsonNode v = model.get("vocab");
      for (int i = 0; i < v.size(); i++) ids.putIfAbsent(v.get(i).get(0).asText(), (long) i);
    } else {
      model.get("vocab").fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asLong()));
    }
    JsonNode added = files.json().get("added_tokens");
    if (added != null && added.isArray()) for (JsonNode t : added) ids.put(t.get("content").asText(), t.get("id").asLong());
    JsonNode suffix = model.get("end_of_word_suffix");
    this.endOfWordSuffix = suffix != null && suffix.isTextual() && !suffix.asText().isEmpty() ? suffix.asText() : null;
    this.maxId = ids.values().stream().mapToLong(Long::longValue).max().orElse(-1);
    this.padId = resolvePad();
    this.untruncated = create(null);
    try {
      checkAddedTokenIds(added);
      this.specialTokensAdded = encodeNative(untruncated, "").length;
    } catch (RuntimeException e) {
      untruncated.close();
      throw e;
    }
  }

  /** Loads the tokenizer of a model folder (tokenizer.json, or CLIP's vocab.json + merges.txt) or of a tokenizer.json file. */
  public static TextTokenizer load(Path folderOrTokenizerJson) {
    return new TextTokenizer(TokenizerFiles.read(folderOrTokenizerJson));
  }

  public Path origin() { return files.origin(); }
  public TokenizerFiles files() { return files; }
  /** The largest token id this tokenizer can produce, plus one. */
  public long idLimit() { return maxId + 1; }
  /** How many special tokens a text gets (T5: 1, CLIP: 2): the smallest useful maxLength. */
  public int specialTokensAdded() { return specialTokensAdded; }

  /** Ids of {@code text} with the model's special tokens, truncated to {@code maxLength}, padded to it when asked. */
  public long[] encode(String text, int maxLength, boolean padToMax) { return encodeWithMask(text, maxLength, padToMax).ids(); }

  public long[] attentionMask(String text, int maxLength, boolean padToMax) { return encodeWithMask(text, maxLength, padToMax).mask(); }

  public Encoded encodeWithMask(String text, int maxLength, boolean padToMax) {
    if (text == null) throw new IllegalArgumentException("text is null");
    if (maxLength < Math.max(1, specialTokensAdded))
      throw new DualprocException("maxLength " + maxLength + " is too small: " + files.origin() + " adds " + specialTokensAdded + " special tokens");
    long[] full = encodeNative(untruncated, text);
    long[] cut = full.length <= maxLength ? full : encodeNative(truncating.computeIfAbsent(maxLength, this::create), text);
    if (cut.length > maxLength) throw new IllegalStateException("tokenizer returned " + cut.length + " ids for maxLength " + maxLength);
    int n = padToMax ? maxLength : cut.length;
    long[] out = Arrays.copyOf(cut, n);
    long[] mask = new long[n];
    Arrays.fill(mask, 0, cut.length, 1);
    if (n > cut.length) Arrays.fill(out, cut.length, n, padId());
    return new Encoded(out, mask, full.length > maxLength);
  }

  /** The text of {@code ids}, special tokens (bos, eos, padding) left out. */
  public String decode(long[] ids) { return decode(ids, true); }

  public String decode(long[] ids, boolean skipSpecialTokens) {
    for (long id : ids)
      if (id < 0 || id > maxId) throw new DualprocException("token id " + id + " is outside " + files.origin() + " (ids 0.." + maxId + ")");
    try {
      String text = untruncated.decode(ids, skipSpecialTokens);
      // CLIPTokenizerFast wraps decode the same way: the ByteLevel decoder leaves BPE's end-of-word suffix in place
      return endOfWordSuffix == null ? text : text.replace(endOfWordSuffix, " ").strip();
    } catch (RuntimeException e) {
      throw new DualprocException(files.origin() + ": cannot decode (" + e.getMessage() + ")", e);
    }
  }

  /** The id of a vocabulary piece or added token (e.g. "</s>", "<|endoftext|>"). */
  public long tokenId(String token) {
    Long id = ids.get(token);
    if (id == null) throw new DualprocException(files.origin() + ": no token '" + token + "' in the vocabulary");
    return id;
  }

  public boolean hasToken(String token) { return ids.containsKey(token); }

  public long padId() {
    if (padId == null)
      throw new DualprocException(files.origin() + ": no pad token known (name pad_token in special_tokens_map.json or tokenizer_config.json)");
    return padId;
  }

  /** The special token named by the config files (e.g. "eos_token"), if any. */
  public String specialToken(String key) { return files.specialTokens().get(key); }

  private Long resolvePad() {
    String named = files.specialTokens().get("pad_token");
    if (named != null) {
      if (!ids.containsKey(named)) throw new DualprocException(files.origin() + ": pad_token '" + named + "' is not in the vocabulary");
      return ids.get(named);
    }
    JsonNode padding = files.json().get("padding");
    if (padding != null && padding.isObject() && padding.has("pad_id")) return padding.get("pad_id").asLong();
    if (ids.containsKey("<pad>")) return ids.get("<pad>");
    String eos = files.specialTokens().get("eos_token");
    return eos != null && ids.containsKey(eos) ? ids.get(eos) : null;
  }

  /** The library keeps a vocabulary token's own id and numbers new ones after the vocabulary: the file must agree. */
  private void checkAddedTokenIds(JsonNode added) {
    if (added == null || !added.isArray()) return;
    for (int i = 0; i < added.size(); i++) {
      String content = added.get(i).get("content").asText();
      long id = added.get(i).get("id").asLong();
      long[] got;
      try {
        got = untruncated.encode(content, false, false).getIds();
      } catch (RuntimeException e) {
        throw new DualprocException(files.origin() + ": cannot encode added_tokens[" + i + "] (" + ConfigJson.firstLine(e.getMessage()) + ")", e);
      }
      if (got.length == 1 && got[0] != id)
        throw new DualprocException(files.origin() + ": added_tokens[" + i + "].id: '" + content + "' has id " + id
            + " in the file but " + got[0] + " in the tokenizer library (a vocabulary token keeps its own id; new ones follow the vocabulary)");
    }
  }

  private HuggingFaceTokenizer create(Integer maxLength) {
    Map<String, String> options = new HashMap<>();
    options.put("addSpecialTokens", "true");
    options.put("padding", "false");
    options.put("truncation", maxLength == null ? "false" : "true");
    if (maxLength != null) { options.put("maxLength", maxLength.toString()); options.put("modelMaxLength", maxLength.toString()); }
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (IOException | RuntimeException e) {
      throw new DualprocException(files.origin() + ": the tokenizer library rejected it (" + ConfigJson.firstLine(e.getMessage()) + ")", e);
    }
  }

  private long[] encodeNative(HuggingFaceTokenizer t, String text) {
    try {
      Encoding e = t.encode(text);
      return e.getIds();
    } catch (RuntimeException e) {
      throw new DualprocException(files.origin() + ": cannot encode the text (" + ConfigJson.firstLine(e.getMessage()) + ")", e);
    }
  }

  @Override public void close() {
    untruncated.close();
    truncating.values().forEach(HuggingFaceTokenizer::close);
    truncating.clear();
  }
}
