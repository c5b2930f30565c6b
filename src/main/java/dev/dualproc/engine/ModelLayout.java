package dev.dualproc.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;

/**
 * Recognises how a model is stored: a BFL single file, a diffusers pipeline folder or one of its model folders, an HF
 * transformers model folder, a LoRA file. Reads only JSON configs and safetensors headers, never tensor data.
 */
public final class ModelLayout {
  private ModelLayout() {}

  /** What a set of tensor names looks like. */
  public enum Kind {
    LORA("LoRA file"),
    BFL_FLUX("BFL single file (FLUX transformer: double_blocks.*, single_blocks.*)"),
    DIFFUSERS_TRANSFORMER("diffusers transformer (transformer_blocks.*)"),
    AUTOENCODER("autoencoder (encoder.*, decoder.*)"),
    TENSORS("safetensors (no known model layout)");

    public final String description;
    Kind(String description) { this.description = description; }
  }

  /** One weights file (or sharded index) inside a layout, with what it is. */
  public record Part(String label, Path weights, String description) {}

  /** A recognised layout: a one-line description and its weight files. */
  public record Layout(Path path, String description, List<Part> parts) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public static Layout detect(Path path) {
    if (!Files.exists(path)) throw new DualprocException(path + ": no such file or folder");
    if (Files.isDirectory(path)) return folder(path);
    String name = path.getFileName().toString();
    if (name.endsWith(".index.json")) {
      try (ShardedSafeTensors s = ShardedSafeTensors.open(path)) {
        String d = describe(s.names());
        return new Layout(path, "sharded safetensors index (" + s.shards().size() + " shards): " + d, List.of(new Part(name, path, d)));
      }
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
      String d = describe(f.names());
      return new Layout(path, d, List.of(new Part(name, path, d)));
    }
  }

  private static Layout folder(Path dir) {
    List<Part> parts = new ArrayList<>();
    Set<Path> covered = new HashSet<>();
    String description;
    Path modelIndex = dir.resolve("model_index.json"), config = dir.resolve("config.json");
    if (Files.isRegularFile(modelIndex)) {
      JsonNode idx = readJson(modelIndex);
      List<String> components = new ArrayList<>();
      for (var it = idx.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getKey().startsWith("_") || !e.getValue().isArray()) continue;
        components.add(e.getKey());
        Path sub = dir.resolve(e.getKey());
        if (!Files.isDirectory(sub)) continue;
        for (Path w : weightFiles(sub))
          parts.add(new Part(e.getKey() + "/" + w.getFileName(), w, componentDescription(sub, w)));
      }
      description = "diffusers pipeline folder (model_index.json: " + text(idx, "_class_name", "unknown class") + "; components "
          + String.join(", ", components) + ")";
    } else if (Files.isRegularFile(config)) {
      JsonNode cfg = readJson(config);
      List<Path> ws = weightFiles(dir);
      if (cfg.has("_class_name")) {
        description = "diffusers model folder (" + text(cfg, "_class_name", "?") + ")";
      } else if (!cfg.has("architectures") && !cfg.has("model_type")) {
        description = "folder of safetensors files (its config.json is neither diffusers nor HF transformers)";
      } else {
        String arch = cfg.path("architectures").isArray() && cfg.path("architectures").size() > 0
            ? cfg.path("architectures").get(0).asText() : "unknown architecture";
        description = "HF transformers model (config.json: " + arch + ", model_type " + text(cfg, "model_type", "?") + ")";
      }
      for (Path w : ws) {
        parts.add(new Part(w.getFileName().toString(), w, kindDescription(w)));
        covered.add(w);
      }
      if (ws.isEmpty()) description += "; no *.safetensors weights found";
    } else {
      description = "folder of safetensors files";
    }
    // loose weight files at the top (e.g. BFL's flux1-schnell.safetensors and ae.safetensors beside the diffusers folders)
    for (Path f : list(dir, ".safetensors")) {
      if (covered.contains(f) || isShardOfIndexIn(dir, f)) continue;
      parts.add(new Part(f.getFileName().toString(), f, kindDescription(f)));
    }
    for (Path f : list(dir, ".safetensors.index.json")) if (!covered.contains(f)) parts.add(new Part(f.getFileName().toString(), f, kindDescription(f)));
    if (parts.isEmpty() && !Files.isRegularFile(modelIndex) && !Files.isRegularFile(config))
      throw new DualprocException(dir + ": no model found (expected model_index.json, config.json with *.safetensors, or *.safetensors files)");
    return new Layout(dir, description, parts);
  }

  private static String componentDescription(Path sub, Path weights) {
    Path cfg = sub.resolve("config.json");
    String cls = Files.isRegularFile(cfg) ? text(readJson(cfg), "_class_name",
        readJson(cfg).path("architectures").path(0).asText("?")) : "?";
    return cls + ": " + kindDescription(weights);
  }

  private static String kindDescription(Path weights) {
    try (TensorSource s = TensorSources.open(weights)) { return describe(s.names()); }
  }

  /** The layout of a set of tensor names, with LoRA details (naming style, ranks) when it is one. */
  public static String describe(Collection<String> names) {
    Kind k = kindOf(names);
    if (k != Kind.LORA) return k.description;
    boolean peft = names.stream().anyMatch(n -> n.contains(".lora_A.") || n.contains(".lora_B."));
    String on = names.stream().anyMatch(n -> n.contains("double_blocks.") || n.contains("single_blocks.")) ? "BFL modules"
        : names.stream().anyMatch(n -> n.contains("transformer_blocks.")) ? "diffusers transformer modules" : "other modules";
    return "LoRA file (" + (peft ? "PEFT/diffusers lora_A/lora_B" : "kohya lora_down/lora_up") + " names on " + on + ")";
  }

  public static Kind kindOf(Collection<String> names) {
    boolean lora = false, bfl = false, diffusers = false, enc = false, dec = false;
    for (String n : names) {
      if (n.contains("lora_A.") || n.contains("lora_B.") || n.contains("lora_down.") || n.contains("lora_up.")) lora = true;
      if (n.startsWith("double_blocks.") || n.startsWith("single_blocks.")) bfl = true;
      if (n.startsWith("transformer_blocks.") || n.startsWith("single_transformer_blocks.")) diffusers = true;
      if (n.startsWith("encoder.")) enc = true;
      if (n.startsWith("decoder.")) dec = true;
    }
    if (lora) return Kind.LORA;
    if (bfl) return Kind.BFL_FLUX;
    if (diffusers) return Kind.DIFFUSERS_TRANSFORMER;
    if (enc && dec) return Kind.AUTOENCODER;
    return Kind.TENSORS;
  }

  /** The weights of a model folder: its sharded indexes and the *.safetensors files no index covers. */
  static List<Path> weightFiles(Path dir) {
    List<Path> out = new ArrayList<>(list(dir, ".safetensors.index.json"));
    for (Path f : list(dir, ".safetensors")) if (!isShardOfIndexIn(dir, f)) out.add(f);
    return out;
  }

  private static boolean isShardOfIndexIn(Path dir, Path file) {
    for (Path idx : list(dir, ".safetensors.index.json")) {
      JsonNode map = readJson(idx).path("weight_map");
      for (var it = map.elements(); it.hasNext(); ) if (it.next().asText().equals(file.getFileName().toString())) return true;
    }
    return false;
  }

  private static JsonNode readJson(Path file) {
    try {
      JsonNode n = JSON.readTree(Files.readString(file));
      if (n == null || !n.isObject()) throw new DualprocException(file + ": expected a JSON object");
      return n;
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new DualprocException(file + ": not valid JSON (" + why + ")");
    }
  }

  private static String text(JsonNode n, String field, String orElse) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : orElse;
  }

  private static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot list (" + e.getMessage() + ")");
    }
  }
}
