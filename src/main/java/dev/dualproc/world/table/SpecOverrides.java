package dev.dualproc.world.table;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.distill.TaskSpec;
import dev.dualproc.distill.TaskSpecYaml;
import dev.dualproc.engine.DualprocException;
import java.util.*;

/**
 * The table's {@code --set key=value} overrides of task fields, by their YAML names (lr, rank, train_n, ...); the value
 * is read as YAML. Fields the grid decides per cell, and those with their own option, cannot be set this way.
 */
public final class SpecOverrides {
  private SpecOverrides() {}

  /** Every task field's YAML name, in the spec's order. */
  public static final List<String> FIELDS = List.of(TaskSpec.class.getAnnotation(JsonPropertyOrder.class).value());

  /** Decided by the grid or by an option of the command, with the reason shown when someone tries to --set them. */
  static final Map<String, String> OWNED = Map.of(
      "prompts", "the grid's prompts", "eval_prompts", "the grid's prompts", "control", "the grid's preset and params",
      "train_seed", "the grid's teaching seeds", "lora_seed", "the grid's teaching seeds", "eval_seeds", "the grid's evaluation seeds (--eval-seeds N)",
      "steps", "--steps", "generator", "--generator", "critic", "--critic");

  /** The overrides as a task-spec tree; every key and value is checked on its own (an error names it). */
  public static ObjectNode parse(List<String> sets) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (String kv : sets) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new DualprocException("--set: expected KEY=VALUE (a task field by its YAML name, e.g. lr=1e-4), got '" + kv + "'");
      String key = kv.substring(0, eq).trim(), value = kv.substring(eq + 1).trim();
      if (OWNED.containsKey(key)) throw new DualprocException("--set " + key + ": set by " + OWNED.get(key) + ", not by --set");
      if (!FIELDS.contains(key)) {
        List<String> free = FIELDS.stream().filter(f -> !OWNED.containsKey(f)).toList();
        throw new DualprocException("--set " + key + ": unknown task field '" + key + "'; expected one of " + String.join(", ", free));
      }
      if (out.has(key)) throw new DualprocException("--set " + key + ": given twice");
      ObjectNode one = JsonNodeFactory.instance.objectNode();
      one.set(key, TaskSpecYaml.scalar(value, "--set " + key));
      try {
        TaskSpecYaml.fromTree(one, "--set " + kv); // types: "lr=abc" fails here, naming the field
      } catch (DualprocException e) {
        throw new DualprocException("--set " + key + ": bad value '" + value + "': " + e.getMessage(), e);
      }
      out.set(key, one.get(key));
    }
    return out;
  }

  /** A resolution error caused by an override, said as such: "--set lr=5: lr: expected a number in (0, 1.0], got 5.0". */
  static DualprocException blame(DualprocException e, ObjectNode overrides) {
    for (Iterator<String> it = overrides.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (e.getMessage().startsWith(k + ":") || e.getMessage().startsWith(k + "[") || e.getMessage().startsWith(k + "."))
        return new DualprocException("--set " + k + "=" + (overrides.get(k).isTextual() ? overrides.get(k).asText() : overrides.get(k).toString())
            + ": " + e.getMessage(), e);
    }
    return e;
  }
}
