package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Lora;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Rng;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Generator;

/**
 * LoRA on the FLUX transformer at diffusers granularity: one adapter per diffusers module (to_q, to_k, to_v separately
 * even though BFL fuses them into qkv / linear1), each on its block of output rows of the BFL linear
 * ({@link FluxKeyMap#locate}). Adapter names are diffusers module paths, e.g. {@code transformer_blocks.0.attn.to_q}.
 */
public final class FluxLora {
  private FluxLora() {}

  /**
   * The reference module set (dual_process configs/pipe/schnell.yaml and dev.yaml; PEFT matches them as name
   * suffixes): all of every double block's attention and MLPs, and q, k, v of the single blocks.
   */
  public static final List<String> TARGET_MODULES = List.of("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0",
      "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out", "ff.net.0.proj", "ff.net.2",
      "ff_context.net.0.proj", "ff_context.net.2");

  /** Every diffusers module name of a model with these params (table rows expanded over the blocks), in table order. */
  public static List<String> diffusersModules(FluxParams p) {
    List<String> out = new ArrayList<>();
    for (FluxKeyMap.Row row : FluxKeyMap.diffusers().rows()) {
      if (row.transform() == FluxKeyMap.Transform.KEY) continue;
      if (row.bfl().startsWith("guidance_in") && !p.guidanceEmbed()) continue;
      int blocks = row.bfl().startsWith("double_blocks.") ? p.depth() : row.bfl().startsWith("single_blocks.") ? p.depthSingleBlocks() : -1;
      for (FluxKeyMap.Part part : row.diffusers()) {
        if (blocks < 0) out.add(part.name());
        else for (int i = 0; i < blocks; i++) out.add(part.name().replace(".N.", "." + i + "."));
      }
    }
    return out;
  }

  /**
   * The lora_targets groups, as PEFT-style suffixes of diffusers module names (data): attention = every q/k/v/out
   * projection; mlp = the MLPs, with the single blocks' proj_mlp and proj_out (linear2, the fused attention+MLP output);
   * modulation = the adaLN linears (norm1, norm1_context, the single blocks' norm, norm_out); context = the text inputs
   * (txt_in and the pooled-text vector_in); double, single = every module of those blocks.
   */
  public static final Map<String, List<String>> GROUPS = groupTable();

  private static Map<String, List<String>> groupTable() {
    Map<String, List<String>> g = new LinkedHashMap<>();
    g.put("all", TARGET_MODULES);
    g.put("attention", List.of("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "attn.add_q_proj", "attn.add_k_proj",
        "attn.add_v_proj", "attn.to_add_out"));
    g.put("mlp", List.of("ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2", "proj_mlp",
        "single_transformer_blocks.*.proj_out"));
    g.put("modulation", List.of("norm1.linear", "norm1_context.linear", "single_transformer_blocks.*.norm.linear", "norm_out.linear"));
    g.put("context", List.of("context_embedder", "time_text_embed.text_embedder.linear_1", "time_text_embed.text_embedder.linear_2"));
    g.put("double", List.of("transformer_blocks.*"));
    g.put("single", List.of("single_transformer_blocks.*"));
    return java.util.Collections.unmodifiableMap(g);
  }

  /** Every module a LoRA can go on, diffusers name -> its BFL layer (checkpoint key), block by block. */
  public static Map<String, String> modules(FluxParams p) {
    List<String> names = new ArrayList<>(diffusersModules(p));
    names.sort(FluxLora::byBlock);
    Map<String, String> out = new LinkedHashMap<>();
    for (String n : names) out.put(n, FluxKeyMap.diffusers().locate(n, p).orElseThrow().bflModule());
    return out;
  }

  /** {@link #GROUPS} expanded to this model's module names; "all" is exactly {@link #targets}. */
  public static Map<String, List<String>> groups(FluxParams p) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> all = List.copyOf(modules(p).keySet());
    for (var e : GROUPS.entrySet()) {
      if (e.getKey().equals("all")) { out.put("all", targets(p)); continue; }
      List<java.util.regex.Pattern> globs = e.getValue().stream().map(dev.dualproc.distill.LoraTargets::glob).toList();
      out.put(e.getKey(), all.stream().filter(n -> globs.stream().anyMatch(g -> dev.dualproc.distill.LoraTargets.matches(g, n))).toList());
    }
    return out;
  }

  /** PEFT's target_modules rule: the name equals a target or ends with "." + target. */
  public static boolean isTarget(String diffusersModule, List<String> targets) {
    for (String t : targets) if (diffusersModule.equals(t) || diffusersModule.endsWith("." + t)) return true;
    return false;
  }

  /** The reference module names of this model, block by block. */
  public static List<String> targets(FluxParams p) {
    List<String> names = new ArrayList<>(diffusersModules(p).stream().filter(n -> isTarget(n, TARGET_MODULES)).toList());
    names.sort(FluxLora::byBlock);
    return names;
  }

  // transformer_blocks before single_transformer_blocks, then block index, then table order (stable sort)
  private static int byBlock(String a, String b) {
    return Long.compare(blockKey(a), blockKey(b));
  }

  private static long blockKey(String n) {
    String[] s = n.split("\\.");
    if (s.length < 2 || !s[1].matches("\\d+")) return 0;
    return (s[0].equals("single_transformer_blocks") ? 1_000_000L : 0L) + Long.parseLong(s[1]);
  }

  /** LoRA parameters of {@link #attach} at this rank, from the shapes alone (schnell, rank 16: 44.8M). */
  public static long parameterCount(FluxParams p, int rank) {
    var shapes = FluxInit.shapes(p);
    long n = 0;
    for (String m : targets(p)) {
      FluxKeyMap.Location loc = FluxKeyMap.diffusers().locate(m, p).orElseThrow();
      long[] w = shapes.get(loc.bflModule() + ".weight");
      long rows = loc.rowEnd() < 0 ? w[0] : loc.rowEnd() - loc.rowStart();
      n += (long) rank * (w[1] + rows);
    }
    return n;
  }

  /**
   * Adds fresh adapters (A ~ N(0, 1/rank) from {@code initSeed}, B = 0) on the reference modules and returns them.
   * The model must not carry adapters on those rows yet.
   */
  public static LoraSet attach(Flux flux, int rank, double alpha, long initSeed) {
    return attach(flux, targets(flux.params), rank, alpha, initSeed);
  }

  /** As {@link #attach(Flux, int, double, long)} on the given diffusers module names. */
  public static LoraSet attach(Flux flux, List<String> modules, int rank, double alpha, long initSeed) {
    if (rank < 1) throw new DualprocException("LoRA rank: expected at least 1, got " + rank);
    Generator g = Rng.generator(initSeed);
    LoraSet set = new LoraSet(rank, alpha);
    for (String m : modules) set.add(add(flux, m, rank, alpha, g));
    return set;
  }

  /** One adapter on diffusers module {@code name}, placed on its rows of the BFL linear. */
  static Lora add(Flux flux, String name, int rank, double alpha, Generator g) {
    FluxKeyMap.Location loc = FluxKeyMap.diffusers().locate(name, flux.params)
        .orElseThrow(() -> new DualprocException("FLUX has no module '" + name + "' (diffusers name) to put a LoRA on"));
    Linear lin = flux.linear(loc.bflModule());
    long end = loc.rowEnd() < 0 ? lin.out() : loc.rowEnd();
    try {
      return lin.addLora(name, loc.rowStart(), end, rank, alpha, g);
    } catch (IllegalArgumentException e) {
      throw new DualprocException("LoRA '" + name + "' on " + loc.bflModule() + ": " + e.getMessage());
    }
  }

  /** Removes every adapter from the model (unmerging first where merged). */
  public static void detach(Flux flux) { flux.linears().values().forEach(Linear::removeLoras); }

  /** Removes the adapters of {@code set} only. */
  public static void detach(Flux flux, LoraSet set) {
    Set<Lora> mine = new HashSet<>(set.adapters());
    for (Linear l : flux.linears().values()) for (Lora a : List.copyOf(l.adapters())) if (mine.contains(a)) l.removeLora(a);
  }

  /** Whether an adapter's B rows are stored with swapped halves in diffusers layout (norm_out.linear). */
  static boolean swapped(String diffusersModule, FluxParams p) {
    return FluxKeyMap.diffusers().locate(diffusersModule, p).map(l -> l.transform() == FluxKeyMap.Transform.SWAP).orElse(false);
  }
}
