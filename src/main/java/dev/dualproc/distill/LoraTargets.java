package dev.dualproc.distill;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.LoraSet;
import java.util.*;
import java.util.regex.Pattern;

/**
 * Which generator modules get LoRA adapters (lora_targets): named groups that each generator family defines over its
 * own modules ({@link Generator#loraGroups}), and/or module-name patterns. A pattern matches a module when it matches
 * the module's adapter name or the checkpoint key of its layer ({@link Generator#loraModules}), as a whole or as a
 * dot-separated suffix (PEFT's target_modules rule: {@code attn.to_q} matches every block's to_q); {@code *} matches
 * any run of characters. {@code [all]} is the reference set and attaches exactly as the reference does.
 */
public final class LoraTargets {
  private LoraTargets() {}

  public static final String ALL = "all";
  /** The group names a spec may use; a generator defines the ones that apply to it. */
  public static final List<String> GROUPS = List.of(ALL, "attention", "mlp", "modulation", "context", "double", "single");
  private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_.*]+");

  public static boolean isPattern(String t) { return PATTERN.matcher(t).matches() && !t.startsWith(".") && !t.endsWith("."); }

  public static boolean isReference(List<String> targets) { return targets == null || targets.equals(List.of(ALL)); }

  /** Attaches the task's adapters: the reference set through the generator's own rule, any other selection by name. */
  public static LoraSet attach(Generator g, TaskSpec spec) {
    if (isReference(spec.loraTargets())) return g.attachLora(spec.rank(), spec.alpha(), spec.loraSeed());
    return g.attachLora(select(spec.loraTargets(), g), spec.rank(), spec.alpha(), spec.loraSeed());
  }

  /** The selected adapter names, in the generator's module order; every target must select at least one module. */
  public static List<String> select(List<String> targets, Generator g) {
    Map<String, String> modules = g.loraModules();
    if (modules.isEmpty())
      throw new DualprocException("lora_targets: " + g.identity() + " offers only its reference module set; use lora_targets: [all]");
    Map<String, List<String>> groups = g.loraGroups();
    Set<String> chosen = new HashSet<>();
    for (String t : targets) {
      List<String> hit;
      if (GROUPS.contains(t)) {
        hit = groups.get(t);
        if (hit == null || hit.isEmpty())
          throw new DualprocException("lora_targets: group '" + t + "' has no modules in " + g.identity() + " (its groups: "
              + String.join(", ", groups.keySet()) + ")");
      } else {
        Pattern p = glob(t);
        hit = modules.entrySet().stream().filter(e -> matches(p, e.getKey()) || matches(p, e.getValue())).map(Map.Entry::getKey).toList();
        if (hit.isEmpty())
          throw new DualprocException("lora_targets: '" + t + "' is not a group (" + String.join(", ", GROUPS)
              + ") and matches no module of " + g.identity() + " (e.g. " + String.join(", ", modules.keySet().stream().limit(4).toList())
              + ", or their checkpoint keys such as " + modules.values().iterator().next() + ")");
      }
      chosen.addAll(hit);
    }
    return modules.keySet().stream().filter(chosen::contains).toList();
  }

  /** Whether {@code name} or one of its dot-separated suffixes matches the glob. */
  public static boolean matches(Pattern glob, String name) {
    if (name == null) return false;
    if (glob.matcher(name).matches()) return true;
    for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) if (glob.matcher(name.substring(i + 1)).matches()) return true;
    return false;
  }

  public static Pattern glob(String pattern) {
    return Pattern.compile(Arrays.stream(pattern.split("\\*", -1)).map(Pattern::quote).collect(java.util.stream.Collectors.joining(".*")));
  }
}
