package dev.dualproc.model.flux;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DType;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.Tensor;

/**
 * The FLUX transformer's checkpoint layouts: a BFL single file ({@code flux1-schnell.safetensors}), a diffusers
 * transformer folder ({@code config.json} + one file or sharded files with an index), or a diffusers pipeline folder
 * ({@code model_index.json}, the transformer under {@code transformer/}). Every layout is read as BFL names.
 */
public final class FluxCheckpoint {
  private FluxCheckpoint() {}

  public enum Layout { BFL, DIFFUSERS }

  /** The weights of {@code path} under BFL names (a diffusers layout is converted through {@link FluxKeyMap}). */
  public static TensorSource open(Path path) {
    Path p = transformerPath(path);
    TensorSource raw = TensorSources.open(p);
    try {
      TensorSource s = raw;
      for (String prefix : WRAPPER_PREFIXES)
        if (!raw.contains("img_in.weight") && !raw.contains("x_embedder.weight") && raw.contains(prefix + "img_in.weight")) s = stripped(raw, prefix);
      return switch (layout(s)) {
        case BFL -> s;
        case DIFFUSERS -> FluxKeyMap.diffusers().asBfl(s);
      };
    } catch (RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** The transformer's params: its {@code config.json} when there is one (diffusers), else inferred from the BFL shapes. */
  public static FluxParams params(Path path) {
    Path p = transformerPath(path);
    Path config = Files.isDirectory(p) ? p.resolve("config.json") : null;
    if (config != null && Files.isRegularFile(config)) return FluxParams.fromJson(config);
    try (TensorSource s = open(path)) {
      return inferParams(s);
    }
  }

  public static Flux load(Path path, Placement placement) { return load(path, params(path), placement); }

  public static Flux load(Path path, FluxParams params, Placement placement) {
    try (TensorSource s = open(path)) {
      return Flux.load(s, params, placement);
    }
  }

  static Path transformerPath(Path path) {
    if (!Files.exists(path)) throw new DualprocException(path + ": no such file or folder");
    if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("model_index.json"))) {
      Path t = path.resolve("transformer");
      if (!Files.isDirectory(t)) throw new DualprocException(path + ": a diffusers pipeline folder without transformer/");
      return t;
    }
    return path;
  }

  /** Prefixes that whole-model files (ComfyUI, some merges) put before the BFL names. */
  static final List<String> WRAPPER_PREFIXES = List.of("model.diffusion_model.", "diffusion_model.");

  /** The tensors under {@code prefix}, without it; other names stay as they are (they load as unmatched). */
  static TensorSource stripped(TensorSource s, String prefix) {
    Map<String, String> toRaw = new LinkedHashMap<>();
    for (String n : s.names()) toRaw.put(n.startsWith(prefix) ? n.substring(prefix.length()) : n, n);
    return new TensorSource() {
      private String raw(String name) {
        String r = toRaw.get(name);
        if (r == null) throw new DualprocException(s.origin() + ": no tensor named '" + name + "'");
        return r;
      }
      @Override public String origin() { return s.origin(); }
      @Override public Collection<String> names() { return Collections.unmodifiableSet(toRaw.keySet()); }
      @Override public boolean contains(String name) { return toRaw.containsKey(name); }
      @Override public DType dtype(String name) { return s.dtype(raw(name)); }
      @Override public long[] shape(String name) { return s.shape(raw(name)); }
      @Override public Tensor load(String name) { return s.load(raw(name)); }
      @Override public void close() { s.close(); }
    };
  }

  public static Layout layout(TensorSource s) {
    if (s.contains("img_in.weight")) return Layout.BFL;
    if (s.contains("x_embedder.weight")) return Layout.DIFFUSERS;
    String some = s.names().stream().sorted().limit(3).toList().toString();
    throw new DualprocException(s.origin() + ": not a FLUX transformer: expected 'img_in.weight' (BFL) or 'x_embedder.weight' "
        + "(diffusers); first names: " + some);
  }

  /** FluxParams from the shapes of BFL-named weights; RoPE axes are FLUX.1's (16, 56, 56) for head_dim 128. */
  public static FluxParams inferParams(TensorSource s) {
    long[] imgIn = s.shape("img_in.weight");
    int hidden = (int) imgIn[0], in = (int) imgIn[1];
    int depth = count(s, "double_blocks."), single = count(s, "single_blocks.");
    String normKey = depth > 0 ? "double_blocks.0.img_attn.norm.query_norm.scale" : "single_blocks.0.norm.query_norm.scale";
    if (!s.contains(normKey)) throw new DualprocException(s.origin() + ": cannot infer head_dim: missing '" + normKey + "'");
    int headDim = (int) s.shape(normKey)[0];
    long mlp = depth > 0 ? s.shape("double_blocks.0.img_mlp.0.weight")[0] : s.shape("single_blocks.0.linear2.weight")[1] - hidden;
    if (headDim != 128)
      throw new DualprocException(s.origin() + ": head_dim " + headDim + " is not FLUX.1's 128, so the RoPE axes are unknown: "
          + "give the params in a config.json");
    return new FluxParams(in, (int) s.shape("final_layer.linear.weight")[0], (int) s.shape("vector_in.in_layer.weight")[1],
        (int) s.shape("txt_in.weight")[1], hidden, (double) mlp / hidden, hidden / headDim, depth, single,
        new int[] {16, 56, 56}, 10_000, depth == 0 || s.contains("double_blocks.0.img_attn.qkv.bias"),
        s.contains("guidance_in.in_layer.weight"));
  }

  private static int count(TensorSource s, String prefix) {
    int n = 0;
    for (String name : s.names()) {
      if (!name.startsWith(prefix)) continue;
      String rest = name.substring(prefix.length());
      int dot = rest.indexOf('.');
      try {
        n = Math.max(n, Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)) + 1);
      } catch (NumberFormatException e) {
        throw new DualprocException(s.origin() + ": '" + name + "': expected a block index after '" + prefix + "'");
      }
    }
    return n;
  }

  /** Writes BFL-named weights as one BFL single file. */
  public static void writeBfl(Path file, Map<String, Tensor> bfl, Map<String, String> metadata) {
    SafeTensorsWriter.write(file, bfl, metadata);
  }

  /**
   * Writes BFL-named weights as a diffusers transformer folder: {@code config.json} and
   * {@code diffusion_pytorch_model-0000i-of-0000n.safetensors} shards of at most {@code maxShardBytes} with their index.
   */
  public static void writeDiffusers(Path dir, Map<String, Tensor> bfl, FluxParams p, long maxShardBytes) {
    Map<String, Tensor> d = FluxKeyMap.diffusers().toDiffusers(bfl, p);
    try {
      Files.createDirectories(dir);
      ObjectMapper json = new ObjectMapper();
      byte[] config = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(p.toDiffusersJson());
      AtomicFiles.write(dir.resolve("config.json"), config);
      writeSharded(dir, "diffusion_pytorch_model", d, maxShardBytes);
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot write the diffusers transformer (" + e.getMessage() + ")");
    }
  }

  /** {@code <base>.safetensors}, or shards {@code <base>-0000i-of-0000n.safetensors} plus {@code <base>.safetensors.index.json}. */
  static void writeSharded(Path dir, String base, Map<String, Tensor> tensors, long maxShardBytes) throws IOException {
    List<Map<String, Tensor>> shards = new ArrayList<>();
    Map<String, Tensor> cur = new LinkedHashMap<>();
    long bytes = 0, total = 0;
    for (var e : tensors.entrySet()) {
      long n = e.getValue().numel() * DType.of(e.getValue().scalar_type()).size;
      if (!cur.isEmpty() && bytes + n > maxShardBytes) { shards.add(cur); cur = new LinkedHashMap<>(); bytes = 0; }
      cur.put(e.getKey(), e.getValue());
      bytes += n;
      total += n;
    }
    if (!cur.isEmpty()) shards.add(cur);
    if (shards.size() <= 1) {
      SafeTensorsWriter.write(dir.resolve(base + ".safetensors"), tensors, Map.of("format", "pt"));
      return;
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode index = json.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode map = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("%s-%05d-of-%05d.safetensors", base, i + 1, shards.size());
      SafeTensorsWriter.write(dir.resolve(name), shards.get(i), Map.of("format", "pt"));
      for (String k : shards.get(i).keySet()) map.put(k, name);
    }
    AtomicFiles.writeString(dir.resolve(base + ".safetensors.index.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(index));
  }
}
