package dev.dualproc.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Lora;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * FLUX LoRA files (notes/flux-and-lora.md 1.3). Written: diffusers/PEFT names
 * ({@code transformer.transformer_blocks.0.attn.to_q.lora_A.weight}) with alpha/r and the training weight folded into
 * lora_B, so loading at weight 1.0 gives the trained effect, plus {@code lora_adapter_metadata}; and a kohya export
 * ({@code lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight}, fused modules with concatenated ranks and a
 * block-diagonal up, {@code .alpha} = rank). Read: both, and BFL-named {@code diffusion_model.*} files.
 */
public final class FluxLoraFiles {
  private static final Logger log = LoggerFactory.getLogger(FluxLoraFiles.class);
  private FluxLoraFiles() {}

  public static final String PEFT_PREFIX = "transformer.";
  public static final String KOHYA_PREFIX = "lora_unet_";
  public static final String BFL_PREFIX = "diffusion_model.";
  public static final String METADATA_KEY = "lora_adapter_metadata";

  public enum Format { PEFT, KOHYA, BFL }

  /** What a load attached: the adapters, and which file keys were used and which were not. */
  public record Loaded(LoraSet lora, Format format, List<String> matched, List<String> unmatched) {
    public String summary() {
      return format + " LoRA: " + lora.size() + " adapters, matched " + matched.size() + "/" + (matched.size() + unmatched.size())
          + " keys" + (unmatched.isEmpty() ? "" : "; unmatched: " + String.join(", ", unmatched.subList(0, Math.min(8, unmatched.size())))
          + (unmatched.size() > 8 ? " ... (" + unmatched.size() + " in all)" : ""));
    }
  }

  // ---------------------------------------------------------------- save

  /**
   * Writes {@code set} in PEFT/diffusers names. Each B is multiplied by {@code trainingWeight * alpha / rank} (the scale
   * it had while training), and the metadata says lora_alpha = r, so any reader applies it at scale 1.
   */
  public static void savePeft(Path file, LoraSet set, double trainingWeight, Map<String, String> metadata, FluxParams p) {
    requireAdapters(set, file);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, Integer> ranks = new LinkedHashMap<>();
    for (Lora l : set.adapters()) {
      tensors.put(PEFT_PREFIX + l.name + ".lora_A.weight", l.A.detach());
      Tensor b = l.B.detach().mul(new Scalar(trainingWeight * l.alpha / l.rank));
      tensors.put(PEFT_PREFIX + l.name + ".lora_B.weight", FluxLora.swapped(l.name, p) ? FluxKeyMap.swapHalves(b, l.name) : b);
      ranks.put(l.name, l.rank);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    if (metadata != null) meta.putAll(metadata);
    meta.put("format", "pt");
    meta.put(METADATA_KEY, adapterMetadata(ranks));
    SafeTensorsWriter.write(file, tensors, meta);
  }

  // diffusers' pipeline-level layout: LoraConfig fields prefixed by the component ("transformer.r", ...)
  private static String adapterMetadata(Map<String, Integer> ranks) {
    Map<Integer, Long> counts = new TreeMap<>();
    ranks.values().forEach(r -> counts.merge(r, 1L, Long::sum));
    int r = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = json.createObjectNode();
    ObjectNode rankPattern = json.createObjectNode(), alphaPattern = json.createObjectNode();
    ranks.forEach((name, rank) -> { if (rank != r) { rankPattern.put(name, rank); alphaPattern.put(name, rank); } });
    m.put("transformer.bias", "none");
    m.put("transformer.lora_alpha", r);
    m.put("transformer.lora_dropout", 0.0);
    m.put("transformer.r", r);
    m.set("transformer.rank_pattern", rankPattern);
    m.set("transformer.alpha_pattern", alphaPattern);
    var targets = m.putArray("transformer.target_modules");
    new TreeSet<>(ranks.keySet().stream().map(FluxLoraFiles::targetSuffix).toList()).forEach(targets::add);
    m.put("transformer.use_dora", false);
    m.put("transformer.use_rslora", false);
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(m);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // transformer_blocks.3.attn.to_q -> attn.to_q (PEFT matches target_modules as suffixes)
  private static String targetSuffix(String name) {
    return name.replaceFirst("^(single_)?transformer_blocks\\.\\d+\\.", "");
  }

  /**
   * Writes {@code set} in kohya names, one entry per BFL module: adapters sharing a fused weight (q, k, v in qkv or
   * linear1) become one LoRA of the summed rank with a block-diagonal up; the scales are folded into up and
   * {@code .alpha} = rank, so the file applies at weight 1.0 with the trained effect.
   */
  public static void exportKohya(Path file, LoraSet set, double trainingWeight, Map<String, String> metadata, Flux flux) {
    requireAdapters(set, file);
    Map<String, List<Lora>> byModule = new LinkedHashMap<>();
    for (Lora l : set.adapters()) {
      FluxKeyMap.Location loc = FluxKeyMap.diffusers().locate(l.name, flux.params)
          .orElseThrow(() -> new DualprocException("LoRA '" + l.name + "' is not a FLUX module"));
      byModule.computeIfAbsent(loc.bflModule(), k -> new ArrayList<>()).add(l);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    int maxRank = 0;
    for (var e : byModule.entrySet()) {
      Linear lin = flux.linear(e.getKey());
      List<Lora> ls = e.getValue();
      int total = ls.stream().mapToInt(l -> l.rank).sum();
      maxRank = Math.max(maxRank, total);
      TensorVector downs = new TensorVector();
      Tensor up = zeros(new long[] {lin.out(), total}, new TensorOptions(ls.get(0).B.scalar_type()));
      int col = 0;
      for (Lora l : ls) {
        downs.push_back(l.A.detach());
        // kohya names are BFL modules, so B stays in BFL row order (final_layer's shift, scale: no swap)
        Tensor b = l.B.detach().mul(new Scalar(trainingWeight * l.alpha / l.rank));
        up.narrow(0, l.rowStart, l.rows()).narrow(1, col, l.rank).copy_(b);
        col += l.rank;
      }
      String k = kohyaName(e.getKey());
      tensors.put(k + ".alpha", full(new long[] {}, new Scalar((double) total), new TensorOptions(ScalarType.Float)));
      tensors.put(k + ".lora_down.weight", cat(downs, 0));
      tensors.put(k + ".lora_up.weight", up);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("ss_network_module", "networks.lora_flux");
    meta.put("ss_network_dim", Integer.toString(maxRank));
    meta.put("ss_network_alpha", Integer.toString(maxRank));
    meta.put("ss_base_model_version", "flux1");
    if (metadata != null) meta.putAll(metadata);
    SafeTensorsWriter.write(file, tensors, meta);
  }

  public static String kohyaName(String bflModule) { return KOHYA_PREFIX + bflModule.replace('.', '_'); }

  private static void requireAdapters(LoraSet set, Path file) {
    if (set == null || set.isEmpty()) throw new DualprocException(file + ": nothing to save: the LoRA has no adapters");
  }

  // ---------------------------------------------------------------- load

  /** Reads a PEFT/diffusers, kohya or BFL-named FLUX LoRA and attaches it to {@code flux} at {@code weight}. */
  public static Loaded load(Path file, Flux flux, double weight) {
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String n : f.names()) tensors.put(n, f.load(n));
      return load(file.toString(), tensors, f.metadata(), flux, weight);
    }
  }

  static Loaded load(String origin, Map<String, Tensor> tensors, Map<String, String> metadata, Flux flux, double weight) {
    Format format = detect(tensors.keySet());
    Loaded loaded = format == Format.PEFT ? loadPeft(origin, tensors, metadata, flux) : loadBflModules(origin, tensors, format, flux);
    if (loaded.matched().isEmpty()) {
      FluxLora.detach(flux, loaded.lora());
      throw new DualprocException(origin + ": this LoRA matches no FLUX transformer module (0/" + tensors.size()
          + " keys matched); first keys: " + tensors.keySet().stream().limit(4).toList());
    }
    loaded.lora().setWeight(weight);
    if (loaded.unmatched().isEmpty()) log.info("{}: {}", origin, loaded.summary());
    else log.warn("{}: {}", origin, loaded.summary());
    return loaded;
  }

  static Format detect(Collection<String> keys) {
    if (keys.stream().anyMatch(k -> k.startsWith(KOHYA_PREFIX))) return Format.KOHYA;
    if (keys.stream().anyMatch(k -> k.startsWith(BFL_PREFIX))) return Format.BFL;
    return Format.PEFT;
  }

  private static Loaded loadPeft(String origin, Map<String, Tensor> tensors, Map<String, String> metadata, Flux flux) {
    JsonNode meta = adapterMetadata(origin, metadata);
    Map<String, Map<String, String>> modules = group(tensors.keySet(), List.of("transformer.", "base_model.model.", ""),
        Map.of("lora_A.weight", "down", "lora_B.weight", "up", "alpha", "alpha",
            "lora.down.weight", "down", "lora.up.weight", "up", "lora_down.weight", "down", "lora_up.weight", "up"));
    LoraSet set = null;
    List<String> matched = new ArrayList<>(), unmatched = new ArrayList<>();
    Generator g = Rng.generator(0);
    try {
      for (var e : modules.entrySet()) {
        String name = e.getKey();
        Map<String, String> keys = e.getValue();
        Optional<FluxKeyMap.Location> loc = FluxKeyMap.diffusers().locate(name, flux.params)
            .filter(x -> flux.linears().containsKey(x.bflModule())); // e.g. block 30 of a 19-block model
        if (loc.isEmpty() || !keys.containsKey("down") || !keys.containsKey("up")) { unmatched.addAll(keys.values()); continue; }
        Tensor down = tensors.get(keys.get("down")), up = tensors.get(keys.get("up"));
        int rank = (int) down.size(0);
        double alpha = alphaOf(tensors, keys.get("alpha"), meta, name, rank);
        if (FluxLora.swapped(name, flux.params)) up = FluxKeyMap.swapHalves(up, keys.get("up"));
        Lora l = attachValues(origin, flux, name, down, up, rank, alpha, keys, g);
        if (set == null) set = new LoraSet(rank, alpha);
        set.add(l);
        matched.addAll(keys.values());
      }
    } catch (RuntimeException ex) {
      if (set != null) FluxLora.detach(flux, set);
      throw ex;
    }
    return new Loaded(set == null ? new LoraSet(1, 1) : set, Format.PEFT, matched, unmatched);
  }

  // kohya and BFL-named files: one LoRA per BFL module; fused modules are split into the diffusers parts
  private static Loaded loadBflModules(String origin, Map<String, Tensor> tensors, Format format, Flux flux) {
    Map<String, String> byKohya = new HashMap<>();
    for (String m : flux.linears().keySet()) byKohya.put(format == Format.KOHYA ? kohyaName(m) : BFL_PREFIX + m, m);
    Map<String, Map<String, String>> modules = group(tensors.keySet(), List.of(""),
        Map.of("lora_down.weight", "down", "lora_up.weight", "up", "lora_A.weight", "down", "lora_B.weight", "up", "alpha", "alpha"));
    LoraSet set = null;
    List<String> matched = new ArrayList<>(), unmatched = new ArrayList<>();
    Generator g = Rng.generator(0);
    try {
      for (var e : modules.entrySet()) {
        String bfl = byKohya.get(e.getKey());
        Map<String, String> keys = e.getValue();
        if (bfl == null || !keys.containsKey("down") || !keys.containsKey("up")) { unmatched.addAll(keys.values()); continue; }
        Tensor down = tensors.get(keys.get("down")), up = tensors.get(keys.get("up"));
        int rank = (int) down.size(0);
        double scale = alphaOf(tensors, keys.get("alpha"), null, bfl, rank) / rank;
        long outRows = flux.linear(bfl).out();
        if (up.dim() != 2 || up.size(0) != outRows || up.size(1) != rank)
          throw new DualprocException(origin + ": '" + keys.get("up") + "' has shape " + Tensors.shapeString(up) + ", expected ["
              + outRows + ", " + rank + "] (all output rows of " + bfl + ")");
        for (var part : FluxKeyMap.diffusers().parts(bfl, flux.params)) {
          String name = part.getKey();
          FluxKeyMap.Location loc = part.getValue();
          Tensor b = loc.rowEnd() < 0 ? up : up.narrow(0, loc.rowStart(), loc.rowEnd() - loc.rowStart());
          Tensor a = down;
          if (loc.rowEnd() >= 0) {
            // a block-diagonal up (our export, or InvokeAI-style merges) gives each part only its own rank columns
            Tensor used = b.abs().sum(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).ne(new Scalar(0)).nonzero().flatten();
            if (used.size(0) == 0) continue;
            if (used.size(0) < rank) { a = down.index_select(0, used); b = b.index_select(1, used); }
          }
          int r = (int) a.size(0);
          Lora l = attachValues(origin, flux, name, a, b, r, scale * r, keys, g);
          if (set == null) set = new LoraSet(r, scale * r);
          set.add(l);
        }
        matched.addAll(keys.values());
      }
    } catch (RuntimeException ex) {
      if (set != null) FluxLora.detach(flux, set);
      throw ex;
    }
    return new Loaded(set == null ? new LoraSet(1, 1) : set, format, matched, unmatched);
  }

  private static Lora attachValues(String origin, Flux flux, String name, Tensor down, Tensor up, int rank, double alpha,
                                   Map<String, String> keys, Generator g) {
    FluxKeyMap.Location loc = FluxKeyMap.diffusers().locate(name, flux.params).orElseThrow();
    Linear lin = flux.linear(loc.bflModule());
    long rows = loc.rowEnd() < 0 ? lin.out() : loc.rowEnd() - loc.rowStart();
    if (down.dim() != 2 || down.size(1) != lin.in())
      throw new DualprocException(origin + ": '" + keys.get("down") + "' has shape " + Tensors.shapeString(down) + ", expected [rank, " + lin.in() + "]");
    if (up.dim() != 2 || up.size(0) != rows || up.size(1) != rank)
      throw new DualprocException(origin + ": '" + keys.get("up") + "' has shape " + Tensors.shapeString(up) + ", expected [" + rows + ", " + rank + "]"
          + (rows != lin.out() ? " (the " + name + " rows of " + loc.bflModule() + ")" : ""));
    Lora l = FluxLora.add(flux, name, rank, alpha, g);
    try (NoGradGuard ng = new NoGradGuard()) {
      l.A.copy_(down.to(l.A.scalar_type()));
      l.B.copy_(up.to(l.B.scalar_type()));
    }
    return l;
  }

  /** module -> (role -> file key), for keys "<prefix><module>.<suffix>" with a known suffix. */
  private static Map<String, Map<String, String>> group(Collection<String> keys, List<String> prefixes, Map<String, String> roles) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (String k : keys) {
      String module = null, role = null;
      for (var r : roles.entrySet()) {
        if (k.endsWith("." + r.getKey())) { module = k.substring(0, k.length() - r.getKey().length() - 1); role = r.getValue(); break; }
      }
      if (module == null) { out.computeIfAbsent("\0" + k, x -> new LinkedHashMap<>()).put("other", k); continue; }
      for (String p : prefixes) if (!p.isEmpty() && module.startsWith(p)) { module = module.substring(p.length()); break; }
      out.computeIfAbsent(module, x -> new LinkedHashMap<>()).put(role, k);
    }
    return out;
  }

  // alpha: the file's .alpha tensor, else lora_adapter_metadata (alpha_pattern, lora_alpha), else rank (scale 1)
  private static double alphaOf(Map<String, Tensor> tensors, String alphaKey, JsonNode meta, String module, int rank) {
    if (alphaKey != null) return Tensors.item(tensors.get(alphaKey));
    if (meta != null) {
      JsonNode ap = meta.get("alpha_pattern");
      if (ap != null && ap.isObject())
        for (var it = ap.fields(); it.hasNext(); ) {
          var e = it.next();
          if (module.equals(e.getKey()) || module.endsWith("." + e.getKey())) return e.getValue().asDouble();
        }
      JsonNode a = meta.get("lora_alpha");
      if (a != null && a.isNumber()) return a.asDouble();
    }
    return rank;
  }

  /** The LoraConfig fields of lora_adapter_metadata, without the component prefix; null when absent. */
  private static JsonNode adapterMetadata(String origin, Map<String, String> metadata) {
    String raw = metadata == null ? null : metadata.get(METADATA_KEY);
    if (raw == null) return null;
    JsonNode j;
    try {
      j = new ObjectMapper().readTree(raw);
    } catch (Exception e) {
      throw new DualprocException(origin + ": " + METADATA_KEY + " is not valid JSON");
    }
    if (j == null || !j.isObject()) throw new DualprocException(origin + ": " + METADATA_KEY + ": expected a JSON object");
    boolean prefixed = j.has("transformer.r") || j.has("transformer.lora_alpha");
    if (!prefixed) return j;
    ObjectNode out = new ObjectMapper().createObjectNode();
    for (var it = j.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().startsWith("transformer.")) out.set(e.getKey().substring("transformer.".length()), e.getValue());
    }
    return out;
  }
}
