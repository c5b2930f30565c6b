package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds a CLIP tokenizer.json from the slow tokenizer's vocab.json + merges.txt, with the same pipeline as
 * transformers' CLIPConverter (convert_slow_tokenizer.py): BPE with end-of-word suffix "</w>", NFC + whitespace
 * collapse + lowercase, the CLIP split regex then byte-level, and RobertaProcessing with bos/eos.
 */
final class ClipBpeConverter {
  /** CLIPTokenizer reads merges.txt lines [1, 49152 - 256 - 2] only (its first line is the "#version" header). */
  static final int MAX_MERGES = 49152 - 256 - 2;
  static final String SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

  private ClipBpeConverter() {}

  static ObjectNode convert(Path vocabJson, Path mergesTxt, String bos, String eos, String unk) {
    ObjectMapper json = new ObjectMapper();
    JsonNode vocab;
    try {
      vocab = json.readTree(Files.readString(vocabJson));
    } catch (IOException e) {
      throw new DualprocException(vocabJson + ": not valid JSON (" + ConfigJson.firstLine(e.getMessage()) + ")");
    }
    if (vocab == null || !vocab.isObject()) throw new DualprocException(vocabJson + ": expected an object of token -> id");
    List<String> lines;
    try {
      lines = Files.readString(mergesTxt).strip().lines().toList();
    } catch (IOException e) {
      throw new DualprocException(mergesTxt + ": cannot read (" + e.getMessage() + ")");
    }
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (String special : new String[] {bos, eos}) {
      JsonNode id = vocab.get(special);
      if (id == null || !id.isIntegralNumber())
        throw new DualprocException(vocabJson + ": special token '" + special + "' is not in the vocabulary");
      ObjectNode t = added.addObject();
      t.put("id", id.asLong()).put("content", special).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
    ArrayNode ns = normalizer.putArray("normalizers");
    ns.addObject().put("type", "NFC");
    ObjectNode replace = ns.addObject().put("type", "Replace");
    replace.putObject("pattern").put("Regex", "\\s+");
    replace.put("content", " ");
    ns.addObject().put("type", "Lowercase");
    ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
    ArrayNode ps = pre.putArray("pretokenizers");
    ObjectNode split = ps.addObject().put("type", "Split");
    split.putObject("pattern").put("Regex", SPLIT_REGEX);
    split.put("behavior", "Removed").put("invert", true);
    ps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
    ObjectNode post = root.putObject("post_processor").put("type", "RobertaProcessing");
    post.putArray("sep").add(eos).add(vocab.get(eos).asLong());
    post.putArray("cls").add(bos).add(vocab.get(bos).asLong());
    post.put("trim_offsets", false).put("add_prefix_space", false);
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
    ObjectNode model = root.putObject("model").put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", unk).put("continuing_subword_prefix", "").put("end_of_word_suffix", "</w>")
        .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    model.set("vocab", vocab);
    ArrayNode merges = model.putArray("merges");
    for (int i = 1; i < lines.size() && i <= MAX_MERGES; i++) {
      String[] parts = lines.get(i).trim().split("\\s+");
      if (parts.length != 2) throw new DualprocException(mergesTxt + ": line " + (i + 1) + ": expected two tokens, got '" + lines.get(i) + "'");
      for (String t : new String[] {parts[0], parts[1], parts[0] + parts[1]})
        if (!vocab.has(t)) throw new DualprocException(mergesTxt + ": line " + (i + 1) + ": token '" + t + "' is not in " + vocabJson.getFileName());
      merges.add(parts[0] + " " + parts[1]);
    }
    return root;
  }
}
