package dev.dualproc.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.DualprocHome;
import dev.dualproc.tasks.Presets;
import dev.dualproc.world.critic.WorldCritic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * Teaching settings a critic folder recommends, as a model repository ships its generation settings: a
 * {@value #FILE} beside the weights, holding task fields from {@link #FIELDS} for any task, and under
 * {@code presets: {NAME: {...}}} for tasks of that control preset (these win over the general ones). They fill the
 * fields a task leaves out, before the reference defaults do; a flag or spec field always wins, and the resolved
 * task.yaml records the values. Only a single critic's file counts (an ensemble's members may disagree).
 */
public final class CriticTeachDefaults {
  private CriticTeachDefaults() {}

  public static final String FILE = "teach_defaults.yaml";
  /** The training hyperparameters a critic may recommend; prompts, questions, seeds, models and devices stay the task's. */
  public static final Set<String> FIELDS = Set.of("steps", "lr", "rank", "alpha", "train_weight", "timestep", "lora_targets",
      "views", "view_augment", "anchor_weight", "prior_weight", "prior_mode");

  /** The file of the task's single critic, if it has one ({@code world}: the built-in critic, when the home is found). */
  public static Optional<Path> file(TaskSpec s, Path baseDir) {
    if (s.critics() != null && !s.critics().isEmpty()) return Optional.empty();
    String ref = s.critic() == null ? "world" : s.critic();
    Optional<Path> folder = ref.equals("world") ? DualprocHome.find().map(h -> h.resolve("models").resolve(WorldCritic.FOLDER)) : Optional.of(baseDir.resolve(ref));
    return folder.map(f -> f.resolve(FILE)).filter(Files::isRegularFile);
  }

  /** The task with the fields it leaves out filled from its critic's file (unchanged when there is none). */
  public static TaskSpec apply(TaskSpec s, Path baseDir) {
    Optional<Path> file = file(s, baseDir);
    if (file.isEmpty()) return s;
    ObjectNode all = TaskSpecYaml.readTree(file.get());
    ObjectNode defaults = fields(all, "", file.get());
    JsonNode presets = all.get("presets");
    if (presets != null) {
      if (!presets.isObject()) throw new DualprocException(file.get() + ": presets: expected a mapping of preset names to task fields");
      for (Iterator<String> it = presets.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!Presets.names().contains(name)) throw new DualprocException(file.get() + ": presets." + name + ": unknown preset; expected one of " + Presets.names());
        if (!presets.get(name).isObject()) throw new DualprocException(file.get() + ": presets." + name + ": expected a mapping of task fields");
        ObjectNode these = fields((ObjectNode) presets.get(name), "presets." + name + ".", file.get());
        if (s.control() != null && name.equals(s.control().preset())) defaults.setAll(these);
      }
    }
    ObjectNode tree = TaskSpecYaml.MAPPER.valueToTree(s);
    for (Iterator<String> it = defaults.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!tree.has(k)) tree.set(k, defaults.get(k).deepCopy());
    }
    return TaskSpecYaml.fromTree(tree, "task with the defaults of " + file.get());
  }

  /** The task fields of one mapping of the file (the key presets aside), checked so that errors name the file. */
  private static ObjectNode fields(ObjectNode node, String prefix, Path file) {
    ObjectNode out = TaskSpecYaml.MAPPER.createObjectNode();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (prefix.isEmpty() && k.equals("presets")) continue;
      if (!FIELDS.contains(k))
        throw new DualprocException(file + ": " + prefix + k + ": not a field a critic may recommend; expected some of " + new java.util.TreeSet<>(FIELDS) + (prefix.isEmpty() ? " or presets" : ""));
      out.set(k, node.get(k).deepCopy());
    }
    TaskSpecYaml.fromTree(out.deepCopy(), file + (prefix.isEmpty() ? "" : " (" + prefix.substring(0, prefix.length() - 1) + ")")); // types checked here
    return out;
  }
}
