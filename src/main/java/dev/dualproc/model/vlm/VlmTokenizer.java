package dev.dualproc.model.vlm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.text.TokenizerJsonCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The model's own tokenizer.json through the HF tokenizers library (DJL binding). A malformed file makes the native
 * library abort the JVM, so the file is checked in Java first, by the text encoders' {@link TokenizerJsonCheck}.
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
    TokenizerJsonCheck.Checked c = TokenizerJsonCheck.checkFile(tokenizerJson);
    long[][] bosEos = llamaSpecials(tokenizerConfig, c.ids());
    try {
      HuggingFaceTokenizer t = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
          .optAddSpecialTokens(true).optTruncation(false).optPadding(false).build();
      return new VlmTokenizer(tokenizerJson, t, c.ids(), c.special(), bosEos[0], bosEos[1]);
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

}
