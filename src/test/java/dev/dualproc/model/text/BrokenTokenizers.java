package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Broken variants of the tiny models' real tokenizer.json files: each is the text of a file, and the JSON path the
 * error message must name.
 */
final class BrokenTokenizers {
  record Variant(String name, String text, String field) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static List<Variant> all(Path t5TokenizerJson, Path clipTokenizerJson) {
    String t5 = read(t5TokenizerJson), clip = read(clipTokenizerJson);
    List<Variant> v = new ArrayList<>();
    v.add(new Variant("truncated JSON", t5.substring(0, t5.length() / 2), "not valid JSON"));
    v.add(new Variant("empty file", "", "(root)"));
    v.add(new Variant("root is an array", "[1, 2, 3]", "(root)"));
    v.add(edit("missing model", t5, r -> r.remove("model"), "model"));
    v.add(edit("model is a string", t5, r -> r.put("model", "Unigram"), "model"));
    v.add(edit("model.type missing", t5, r -> ((ObjectNode) r.get("model")).remove("type"), "model.type"));
    v.add(edit("model.type unknown", t5, r -> ((ObjectNode) r.get("model")).put("type", "SentencePiece"), "model.type"));
    v.add(edit("Unigram vocab is an object", t5, r -> ((ObjectNode) r.get("model")).putObject("vocab").put("a", 1), "model.vocab"));
    v.add(edit("Unigram vocab empty", t5, r -> { ((ObjectNode) r.get("model")).putArray("vocab"); ((ObjectNode) r.get("model")).putNull("unk_id"); }, "model.vocab"));
    v.add(edit("Unigram piece not a pair", t5, r -> ((ArrayNode) r.get("model").get("vocab")).set(5, JSON.createArrayNode().add(3).add("x")), "model.vocab[5]"));
    v.add(edit("Unigram unk_id out of range", t5, r -> ((ObjectNode) r.get("model")).put("unk_id", 100000), "model.unk_id"));
    v.add(edit("Unigram unk_id negative", t5, r -> ((ObjectNode) r.get("model")).put("unk_id", -1), "model.unk_id"));
    v.add(edit("added_tokens is an object", t5, r -> r.putObject("added_tokens"), "added_tokens"));
    v.add(edit("added token without id", t5, r -> ((ObjectNode) r.get("added_tokens").get(1)).remove("id"), "added_tokens[1].id"));
    v.add(edit("added token id negative", t5, r -> ((ObjectNode) r.get("added_tokens").get(0)).put("id", -5), "added_tokens[0].id"));
    v.add(edit("added token content a number", t5, r -> ((ObjectNode) r.get("added_tokens").get(2)).put("content", 7), "added_tokens[2].content"));
    v.add(edit("added token flag a string", t5, r -> ((ObjectNode) r.get("added_tokens").get(0)).put("special", "yes"), "added_tokens[0].special"));
    v.add(edit("pre_tokenizer type unknown", t5, r -> ((ObjectNode) r.get("pre_tokenizer")).put("type", "SentencePieceSplit"), "pre_tokenizer.type"));
    v.add(edit("Metaspace replacement two chars", t5, r -> ((ObjectNode) r.get("pre_tokenizer")).put("replacement", "__"), "pre_tokenizer.replacement"));
    v.add(edit("Metaspace prepend_scheme unknown", t5, r -> ((ObjectNode) r.get("decoder")).put("prepend_scheme", "sometimes"), "decoder.prepend_scheme"));
    v.add(edit("normalizer element without type", t5, r -> ((ArrayNode) r.get("normalizer").get("normalizers")).addObject().put("content", "x"), "normalizer.normalizers[1].type"));
    v.add(edit("Replace pattern wrong shape", t5, r -> ((ObjectNode) r.get("normalizer").get("normalizers").get(0)).put("pattern", " {2,}"), "normalizer.normalizers[0].pattern"));
    v.add(edit("Precompiled charsmap garbage", t5, r -> ((ArrayNode) r.get("normalizer").get("normalizers")).insertObject(0)
        .put("type", "Precompiled").put("precompiled_charsmap", "////AAAAAAAA"), "normalizer.normalizers[0].precompiled_charsmap"));
    v.add(edit("template names an unknown special token", t5, r -> ((ObjectNode) r.get("post_processor").get("single").get(1).get("SpecialToken")).put("id", "<eos>"), "post_processor.single[1].SpecialToken.id"));
    v.add(edit("template special ids/tokens differ", t5, r -> ((ArrayNode) r.get("post_processor").get("special_tokens").get("</s>").get("ids")).add(9), "post_processor.special_tokens['</s>']"));
    v.add(edit("decoder type unknown", t5, r -> ((ObjectNode) r.get("decoder")).put("type", "SentencePiece"), "decoder.type"));
    v.add(edit("version 2.0", t5, r -> r.put("version", "2.0"), "version"));
    v.add(edit("BPE vocab is an array", clip, r -> ((ObjectNode) r.get("model")).putArray("vocab").add("a"), "model.vocab"));
    v.add(edit("BPE vocab id a string", clip, r -> ((ObjectNode) r.get("model").get("vocab")).put("a</w>", "320"), "model.vocab['a</w>']"));
    v.add(edit("BPE merges is an object", clip, r -> ((ObjectNode) r.get("model")).putObject("merges"), "model.merges"));
    v.add(edit("BPE merges missing", clip, r -> ((ObjectNode) r.get("model")).remove("merges"), "model.merges"));
    v.add(edit("BPE merge is a number", clip, r -> ((ArrayNode) r.get("model").get("merges")).set(3, JSON.getNodeFactory().numberNode(12)), "model.merges[3]"));
    v.add(edit("BPE merge has three parts", clip, r -> ((ArrayNode) r.get("model").get("merges")).set(0, JSON.getNodeFactory().textNode("a b c")), "model.merges[0]"));
    v.add(edit("BPE merge token not in vocab", clip, r -> ((ArrayNode) r.get("model").get("merges")).set(2, JSON.getNodeFactory().textNode("q \u4e00")), "model.merges[2]"));
    v.add(edit("BPE unk_token not in vocab", clip, r -> ((ObjectNode) r.get("model")).put("unk_token", "<unk>"), "model.unk_token"));
    v.add(edit("BPE dropout out of range", clip, r -> ((ObjectNode) r.get("model")).put("dropout", 3.5), "model.dropout"));
    v.add(edit("Split behavior unknown", clip, r -> ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers").get(0)).put("behavior", "Drop"), "pre_tokenizer.pretokenizers[0].behavior"));
    v.add(edit("Roberta sep not a pair", clip, r -> ((ObjectNode) r.get("post_processor")).put("sep", "<|endoftext|>"), "post_processor.sep"));
    v.add(edit("padding wrong type", clip, r -> r.put("padding", "max_length"), "padding"));
    v.add(edit("template without pair", t5, r -> ((ObjectNode) r.get("post_processor")).remove("pair"), "post_processor.pair"));
    v.add(edit("template special id not the vocabulary's", t5, r -> ((ArrayNode) r.get("post_processor").get("special_tokens").get("</s>").get("ids")).set(0, JSON.getNodeFactory().numberNode(999999)), "post_processor.special_tokens['</s>']"));
    v.add(edit("template special token unknown", t5, r -> ((ArrayNode) r.get("post_processor").get("special_tokens").get("</s>").get("tokens")).set(0, JSON.getNodeFactory().textNode("<eos>")), "post_processor.special_tokens['</s>']"));
    v.add(edit("Roberta sep id not the vocabulary's", clip, r -> ((ArrayNode) r.get("post_processor").get("sep")).set(1, JSON.getNodeFactory().numberNode(5)), "post_processor.sep"));
    v.add(edit("added token id not the vocabulary's", clip, r -> ((ObjectNode) r.get("added_tokens").get(1)).put("id", 5), "added_tokens[1].id"));
    v.add(edit("added token id leaves a gap", t5, r -> ((ArrayNode) r.get("added_tokens")).addObject().put("id", 5000).put("content", "<new>")
        .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true), "added_tokens[11].id"));
    v.add(edit("model is null", t5, r -> r.putNull("model"), "model"));
    v.add(edit("BPE vocab missing", clip, r -> ((ObjectNode) r.get("model")).remove("vocab"), "model.vocab"));
    v.add(edit("Unigram vocab missing", t5, r -> ((ObjectNode) r.get("model")).remove("vocab"), "model.vocab"));
    v.add(edit("Unigram score a string", t5, r -> ((ArrayNode) r.get("model").get("vocab").get(7)).set(1, JSON.getNodeFactory().textNode("-4.0")), "model.vocab[7]"));
    v.add(edit("BPE vocab id beyond u32", clip, r -> ((ObjectNode) r.get("model").get("vocab")).put("a</w>", 1L << 40), "model.vocab['a</w>']"));
    v.add(edit("BPE vocab id beyond long", clip, r -> ((ObjectNode) r.get("model").get("vocab"))
        .put("a</w>", java.math.BigInteger.ONE.shiftLeft(64).add(java.math.BigInteger.valueOf(320))), "model.vocab['a</w>']"));
    v.add(edit("BPE vocab id fractional", clip, r -> ((ObjectNode) r.get("model").get("vocab")).put("a</w>", 320.5), "model.vocab['a</w>']"));
    v.add(edit("added token id beyond u32", t5, r -> ((ObjectNode) r.get("added_tokens").get(0)).put("id", 1L << 33), "added_tokens[0].id"));
    v.add(edit("template special id beyond u32", t5, r -> ((ArrayNode) r.get("post_processor").get("special_tokens").get("</s>").get("ids")).set(0, JSON.getNodeFactory().numberNode(1L << 32)), "post_processor.special_tokens['</s>'].ids"));
    v.add(edit("Roberta cls id beyond u32", clip, r -> ((ArrayNode) r.get("post_processor").get("cls")).set(1, JSON.getNodeFactory().numberNode(1L << 35)), "post_processor.cls"));
    v.add(edit("Split regex unbalanced", clip, r -> ((ObjectNode) r.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern")).put("Regex", "(['s"), "pre_tokenizer.pretokenizers[0].pattern.Regex"));
    v.add(edit("truncation stride not below max_length", t5, r -> r.putObject("truncation").put("direction", "Right").put("max_length", 4)
        .put("strategy", "LongestFirst").put("stride", 5), "truncation.stride"));
    v.add(edit("truncation max_length negative", t5, r -> r.putObject("truncation").put("max_length", -4), "truncation.max_length"));
    v.add(edit("padding pad_id negative", t5, r -> r.putObject("padding").put("pad_id", -1), "padding.pad_id"));
    String charsmap = "normalizer.normalizers[0].precompiled_charsmap";
    v.add(withCharsmap("charsmap empty", t5, new byte[0], charsmap));
    v.add(withCharsmap("charsmap header only, empty trie", t5, Charsmaps.of(new int[0], "a\0"), charsmap));
    v.add(withCharsmap("charsmap trie longer than the map", t5, Charsmaps.truncated(Charsmaps.upperAToLowerA(), 100), charsmap));
    v.add(withCharsmap("charsmap random trie", t5, Charsmaps.random(7), charsmap));
    v.add(withCharsmap("charsmap child past the end", t5, Charsmaps.of(java.util.Arrays.copyOf(Charsmaps.upperAToLowerAUnits(), 256), "a\0"), charsmap));
    v.add(withCharsmap("charsmap value past the strings", t5, Charsmaps.upperAToLowerA(999), charsmap));
    v.add(withCharsmap("charsmap value inside a character", t5, Charsmaps.of(Charsmaps.upperAToLowerAUnits(1), "\u00e9\0"), charsmap));
    v.add(withCharsmap("charsmap strings not UTF-8", t5, Charsmaps.withRawStrings(Charsmaps.upperAToLowerAUnits(), new byte[] {(byte) 0xFF, (byte) 0xFE, 0}), charsmap));
    v.add(withCharsmap("charsmap not base64", t5, null, charsmap));
    return v;
  }

  /** The T5 normalizer with a Precompiled charsmap in front (bytes null: a string that is not base64). */
  private static Variant withCharsmap(String name, String base, byte[] map, String field) {
    String text = map == null ? "not*base64!" : java.util.Base64.getEncoder().encodeToString(map);
    return edit(name, base, r -> ((ArrayNode) r.get("normalizer").get("normalizers")).insertObject(0)
        .put("type", "Precompiled").put("precompiled_charsmap", text), field);
  }

  private static Variant edit(String name, String base, Consumer<ObjectNode> change, String field) {
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(base);
      change.accept(root);
      return new Variant(name, JSON.writeValueAsString(root), field);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
