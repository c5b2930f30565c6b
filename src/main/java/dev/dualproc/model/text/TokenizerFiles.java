package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenizer files of an HF model folder, read and checked in Java: tokenizer.json (or, for a CLIP folder that has
 * only the slow files, vocab.json + merges.txt converted in memory), plus the special tokens named by
 * special_tokens_map.json / tokenizer_config.json.
 *
 * @param origin the file the tokenizer came from, for messages
 * @param json the checked tokenizer.json, exactly what the native tokenizer will parse
 * @param modelVocabSize pieces in the model's vocabulary (added tokens not counted)
 * @param specialTokens bos_token, eos_token, unk_token, pad_token as named by the config files (those present)
 */
public record TokenizerFiles(Path origin, ObjectNode json, int modelVocabSize, Map<String, String> specialTokens) {
  public static final String TOKENIZER_JSON = "tokenizer.json";
  private static final String[] SPECIAL_KEYS = {"bos_token", "eos_token", "unk_token", "pad_token"};

  public static TokenizerFiles read(Path folderOrTokenizerJson) {
    Path p = folderOrTokenizerJson;
    if (!Files.exists(p)) throw new DualprocException(p + ": no such file or folder (expected a tokenizer folder or a tokenizer.json)");
    Path folder = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
    Map<String, String> specials = specialTokens(folder);
    Path tokenizerJson = Files.isDirectory(p) ? p.resolve(TOKENIZER_JSON) : p;
    ObjectNode json;
    Path origin;
    if (Files.isRegularFile(tokenizerJson)) {
      origin = tokenizerJson;
      JsonNode root = parse(tokenizerJson);
      if (!(root instanceof ObjectNode o)) throw new DualprocException(tokenizerJson + ": (root): expected a JSON object");
      json = o;
    } else if (Files.isRegularFile(folder.resolve("vocab.json")) && Files.isRegularFile(folder.resolve("merges.txt"))) {
      origin = folder.resolve("vocab.json");
      // CLIPTokenizer's defaults, for a folder that names no special tokens
      specials.putIfAbsent("bos_token", "<|startoftext|>");
      specials.putIfAbsent("eos_token", "<|endoftext|>");
      specials.putIfAbsent("unk_token", "<|endoftext|>");
      specials.putIfAbsent("pad_token", "<|endoftext|>");
      json = ClipBpeConverter.convert(folder.resolve("vocab.json"), folder.resolve("merges.txt"),
          specials.get("bos_token"), specials.get("eos_token"), specials.get("unk_token"));
    } else {
      throw new DualprocException(p + ": no tokenizer.json (nor vocab.json + merges.txt) in " + folder);
    }
    int vocabSize = TokenizerJsonCheck.check(origin.toString(), json);
    return new TokenizerFiles(origin, json, vocabSize, specials);
  }

  private static JsonNode parse(Path file) {
    try {
      return new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new DualprocException(file + ": not valid JSON (" + ConfigJson.firstLine(e.getMessage()) + ")");
    }
  }

  /** tokenizer_config.json first, then special_tokens_map.json over it, as transformers merges them. */
  private static Map<String, String> specialTokens(Path folder) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
      Path f = folder.resolve(name);
      if (!Files.isRegularFile(f)) continue;
      JsonNode root = parse(f);
      if (root == null || !root.isObject()) throw new DualprocException(f + ": expected a JSON object");
      for (String key : SPECIAL_KEYS) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) continue;
        if (v.isTextual()) out.put(key, v.asText());
        else if (v.isObject() && v.path("content").isTextual()) out.put(key, v.get("content").asText());
        else throw new DualprocException(f + ": " + key + ": expected a string or {\"content\": ...}, got " + ConfigJson.brief(v));
      }
    }
    return out;
  }
}
