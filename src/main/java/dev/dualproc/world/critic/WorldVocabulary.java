package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.model.vlm.PromptFormat;
import dev.dualproc.tasks.Presets;
import dev.dualproc.world.Captions;
import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.VqaGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in critic's tokenizer: one token per word of the world's questions, in a WordLevel tokenizer.json with
 * the HF Whitespace pre-tokenizer (words and runs of punctuation) and the real Idefics3/SmolVLM special tokens, so the
 * HF tokenizers library (and transformers) read it as they read SmolVLM's. Words outside the vocabulary become
 * {@code <|endoftext|>}, SmolVLM's unk token.
 */
public final class WorldVocabulary {
  private WorldVocabulary() {}

  /** Ids 0.. in this order: SmolVLM's specials, then the Idefics3 image and turn tokens. */
  public static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", PromptFormat.GLOBAL_IMAGE,
      PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE, PromptFormat.END_OF_UTTERANCE);
  public static final String UNK = "<|endoftext|>";

  /** The HF Whitespace pre-tokenizer's split: \w+ or a run of other non-space characters. */
  static final Pattern PRE_TOKENS = Pattern.compile("\\w+|[^\\w\\s]+");

  /** VQA items scanned for words: 100 per task of a fixed stream cover every template and value many times over. */
  static final long SCAN_STREAM = 424_242L;
  static final int SCAN_ITEMS = 900;

  /** The pieces the tokenizer splits text into (before the vocabulary lookup). */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = PRE_TOKENS.matcher(text);
    while (m.find()) out.add(m.group());
    return out;
  }

  /**
   * Every word the critic reads: the chat turn, the answer postfix, the answers, the control presets' questions, every
   * kind, colour and number word, the caption question and every caption word, and the words of a scan of the VQA generator's questions. Sorted, so the ids do not
   * depend on the scan's order.
   */
  public static List<String> vocabulary() { return Scanned.WORDS; }

  private static final class Scanned { static final List<String> WORDS = scan(); } // scanned once, on first use

  private static List<String> scan() {
    TreeSet<String> w = new TreeSet<>();
    w.addAll(words("User: Assistant: " + PromptFormat.YES_NO_POSTFIX + " Yes No"));
    for (String preset : Presets.names())
      for (String q : Presets.questions(preset, Map.of("closer", "A"))) w.addAll(words(q));
    for (Kind k : Kind.values()) { w.add(k.singular); w.add(k.plural); }
    for (NamedColour c : NamedColour.values()) w.addAll(words(c.word));
    w.addAll(List.of("zero", "one", "two", "three", "A", "B"));
    w.addAll(words(CriticConfig.CAPTION_QUESTION));
    for (String c : Captions.VOCABULARY) w.addAll(words(c));
    for (String c : DenseCaption.VOCABULARY) w.addAll(words(c));
    for (long i = 0; i < SCAN_ITEMS; i++) w.addAll(words(VqaGenerator.item(SCAN_STREAM, i, 64).question()));
    return List.copyOf(w);
  }

  /** tokenizer.json over {@link #vocabulary}. */
  public static ObjectNode tokenizerJson() { return tokenizerJson(vocabulary()); }

  public static ObjectNode tokenizerJson(List<String> words) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIALS.size(); i++)
      added.addObject().put("id", i).put("content", SPECIALS.get(i)).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "Whitespace");
    root.putNull("post_processor");
    root.putNull("decoder");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    int id = 0;
    for (String s : SPECIALS) vocab.put(s, id++);
    for (String w : words) if (!vocab.has(w)) vocab.put(w, id++);
    model.put("unk_token", UNK);
    return root;
  }

  /** tokenizer_config.json: a fast tokenizer from tokenizer.json, SmolVLM's bos/eos/pad/unk and extra specials. */
  public static ObjectNode tokenizerConfig() {
    ObjectNode c = new ObjectMapper().createObjectNode();
    c.put("add_prefix_space", false).put("bos_token", "<|im_start|>").put("eos_token", PromptFormat.END_OF_UTTERANCE)
        .put("pad_token", "<|im_end|>").put("unk_token", UNK).put("model_max_length", 8192)
        .put("tokenizer_class", "PreTrainedTokenizerFast").put("processor_class", "Idefics3Processor");
    ArrayNode extra = c.putArray("additional_special_tokens");
    List.of(PromptFormat.FAKE_IMAGE, PromptFormat.IMAGE, PromptFormat.END_OF_UTTERANCE, PromptFormat.GLOBAL_IMAGE).forEach(extra::add);
    return c;
  }
}
