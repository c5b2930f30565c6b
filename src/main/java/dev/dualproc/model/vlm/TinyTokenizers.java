package dev.dualproc.model.vlm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * Small but real tokenizer.json files in the two styles the Idefics families ship, for random-weight test models:
 * <ul>
 * <li>Llama/Mistral SentencePiece BPE (Idefics2): normalizer Prepend("▁") + Replace(" " -> "▁"), no pre-tokenizer,
 * byte fallback to {@code <0xNN>}, {@code <s>} prepended by the post-processor, the Llama decoder chain;</li>
 * <li>GPT-2 byte-level BPE (Idefics3/SmolVLM): ByteLevel pre-tokenizer with the GPT-2 split regex, "Ġ" for a
 * leading space, no BOS.</li>
 * </ul>
 * Words are whole tokens through prefix-chain merges ("▁ Y", "▁Y e", "▁Ye s"), the space-led ones ranked first so that
 * "▁Yes" and "ĠYes" win over "Yes".
 */
public final class TinyTokenizers {
  private TinyTokenizers() {}

  /** Words (without the space mark) that get their own token in both styles, with and without a leading space. */
  static final List<String> WORDS = List.of("Yes", "No", "User", "Assistant", "Answer", "with", "or", "Is", "is", "the",
      "a", "sky", "red", "blue", "green", "image", "there", "line", "thick", "thin", "horizon", "high", "low", "left",
      "right", "closer", "object", "in", "this", "it", "of", "and", "color", "palette");

  static final String SPACE_SP = "▁";

  /** The Idefics2-style tokenizer; {@code added} are appended after the vocabulary as special added tokens. */
  public static ObjectNode sentencePiece(List<String> added) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (String s : List.of("<unk>", "<s>", "</s>")) vocab.put(s, vocab.size());
    for (int b = 0; b < 256; b++) vocab.put(String.format("<0x%02X>", b), vocab.size());
    vocab.put(SPACE_SP, vocab.size());
    for (char c : alphabet().toCharArray()) vocab.putIfAbsent(String.valueOf(c), vocab.size());
    List<String[]> merges = new ArrayList<>();
    for (String w : WORDS) chain(SPACE_SP + w, vocab, merges);
    for (String w : WORDS) chain(w, vocab, merges);

    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode addedTokens = root.putArray("added_tokens");
    addToken(addedTokens, 0, "<unk>");
    addToken(addedTokens, 1, "<s>");
    addToken(addedTokens, 2, "</s>");
    int next = vocab.size();
    for (String a : added) addToken(addedTokens, next++, a);
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", "Sequence");
    ArrayNode ns = norm.putArray("normalizers");
    ns.addObject().put("type", "Prepend").put("prepend", SPACE_SP);
    ObjectNode rep = ns.addObject().put("type", "Replace");
    rep.putObject("pattern").put("String", " ");
    rep.put("content", SPACE_SP);
    root.putNull("pre_tokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
    bos.put("id", "<s>");
    bos.putArray("ids").add(1);
    bos.putArray("tokens").add("<s>");
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "Sequence");
    ArrayNode ds = dec.putArray("decoders");
    ObjectNode d1 = ds.addObject().put("type", "Replace");
    d1.putObject("pattern").put("String", SPACE_SP);
    d1.put("content", " ");
    ds.addObject().put("type", "ByteFallback");
    ds.addObject().put("type", "Fuse");
    ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", "<unk>");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    model.put("ignore_merges", false);
    putVocab(model, vocab, merges);
    return root;
  }

  /** The Idefics3/SmolVLM-style tokenizer: {@code specials} first (ids 0..), then the byte alphabet, merges, then {@code added}. */
  public static ObjectNode byteLevel(List<String> specials, List<String> added) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (String s : specials) vocab.put(s, vocab.size());
    String[] byteChar = bytesToUnicode();
    for (int b : byteOrder()) vocab.put(byteChar[b], vocab.size());
    List<String[]> merges = new ArrayList<>();
    String g = byteChar[' '];
    for (String w : WORDS) chain(g + w, vocab, merges);
    for (String w : WORDS) chain(w, vocab, merges);

    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode addedTokens = root.putArray("added_tokens");
    for (int i = 0; i < specials.size(); i++) addToken(addedTokens, i, specials.get(i));
    int next = vocab.size();
    for (String a : added) addToken(addedTokens, next++, a);
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", true);
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    putVocab(model, vocab, merges);
    return root;
  }

  /** Total ids of a tokenizer made by these builders (vocabulary plus appended added tokens). */
  public static int size(ObjectNode tokenizer) {
    int max = -1;
    for (var it = tokenizer.get("model").get("vocab").fields(); it.hasNext(); ) max = Math.max(max, it.next().getValue().intValue());
    for (var t : tokenizer.get("added_tokens")) max = Math.max(max, t.get("id").intValue());
    return max + 1;
  }

  private static String alphabet() {
    return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;?!'\"-()/";
  }

  /** Merges that build {@code word} left to right; every prefix becomes a vocabulary entry. */
  private static void chain(String word, Map<String, Integer> vocab, List<String[]> merges) {
    int[] cps = word.codePoints().toArray();
    String prefix = new String(cps, 0, 1);
    for (int i = 1; i < cps.length; i++) {
      String c = new String(cps, i, 1);
      String merged = prefix + c;
      if (!vocab.containsKey(merged)) {
        merges.add(new String[] {prefix, c});
        vocab.put(merged, vocab.size());
      }
      prefix = merged;
    }
  }

  private static void putVocab(ObjectNode model, Map<String, Integer> vocab, List<String[]> merges) {
    ObjectNode v = model.putObject("vocab");
    vocab.forEach(v::put);
    ArrayNode m = model.putArray("merges");
    for (String[] p : merges) m.addArray().add(p[0]).add(p[1]);
  }

  private static void addToken(ArrayNode list, int id, String content) {
    list.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true);
  }

  /** GPT-2's byte order: the printable bytes first, then the rest. */
  private static List<Integer> byteOrder() {
    SequencedSet<Integer> order = new LinkedHashSet<>();
    for (int b = '!'; b <= '~'; b++) order.add(b);
    for (int b = 0xA1; b <= 0xAC; b++) order.add(b);
    for (int b = 0xAE; b <= 0xFF; b++) order.add(b);
    for (int b = 0; b < 256; b++) order.add(b);
    return new ArrayList<>(order);
  }

  /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to code points from 256 up. */
  static String[] bytesToUnicode() {
    String[] out = new String[256];
    int n = 0;
    for (int b : byteOrder()) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      out[b] = new String(Character.toChars(printable ? b : 256 + n++));
    }
    return out;
  }
}
