package dev.dualproc.world.table;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.*;

/**
 * table.json: how the table was made (grid, options, --set overrides, the resolved task fields every row shares), the
 * target, one row per cell, a summary per preset, and whether every row meets the target.
 */
@JsonPropertyOrder({"grid", "options", "overrides", "shared_spec", "target", "rows", "presets", "all_meet_target"})
public record Table(String grid, Map<String, Object> options, JsonNode overrides, JsonNode sharedSpec, TeachingGrid.Target target,
                    List<CellResult> rows, List<PresetSummary> presets, boolean allMeetTarget) {

  /** Per preset: rows meeting the target, and the extremes that decide it. */
  @JsonPropertyOrder({"preset", "rows", "meet_target", "mean_off", "mean_on", "max_off", "min_on", "min_objects_ratio", "max_seconds_per_100_steps"})
  public record PresetSummary(String preset, int rows, int meetTarget, double meanOff, double meanOn, double maxOff, double minOn,
                              Double minObjectsRatio, @JsonProperty("max_seconds_per_100_steps") double maxSecondsPer100Steps) {}

  static Table of(TeachingTable.Plan plan, List<CellResult> rows) {
    Map<String, Object> options = new LinkedHashMap<>();
    TeachingTable.Options o = plan.options();
    options.put("presets", plan.cells().stream().map(Cell::preset).distinct().toList());
    options.put("prompts", o.prompts());
    options.put("teaching_seeds", o.teachingSeeds());
    options.put("eval_seeds", o.evalSeeds());
    options.put("steps", o.steps());
    options.put("generator", o.generator());
    options.put("critic", o.critic());
    List<PresetSummary> summaries = new ArrayList<>();
    for (String preset : rows.stream().map(CellResult::preset).distinct().toList()) {
      List<CellResult> rs = rows.stream().filter(r -> r.preset().equals(preset)).toList();
      summaries.add(new PresetSummary(preset, rs.size(), (int) rs.stream().filter(CellResult::meetsTarget).count(),
          rs.stream().mapToDouble(r -> r.passValid().off()).average().orElse(Double.NaN),
          rs.stream().mapToDouble(r -> r.passValid().on()).average().orElse(Double.NaN),
          rs.stream().mapToDouble(r -> r.passValid().off()).max().orElse(Double.NaN),
          rs.stream().mapToDouble(r -> r.passValid().on()).min().orElse(Double.NaN),
          rs.stream().map(CellResult::objectsRatio).filter(Objects::nonNull).min(Double::compare).orElse(null),
          rs.stream().mapToDouble(CellResult::secondsPer100Steps).max().orElse(Double.NaN)));
    }
    return new Table(plan.gridName(), options, plan.overrides(), sharedSpec(rows), plan.grid().target(), List.copyOf(rows),
        summaries, !rows.isEmpty() && rows.stream().allMatch(CellResult::meetsTarget));
  }

  /** The resolved task fields every row shares (the rest, prompts, control and seeds, is in each row's spec). */
  static ObjectNode sharedSpec(List<CellResult> rows) {
    ObjectNode shared = JsonNodeFactory.instance.objectNode();
    if (rows.isEmpty()) return shared;
    for (Iterator<Map.Entry<String, JsonNode>> it = rows.get(0).spec().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (rows.stream().allMatch(r -> f.getValue().equals(r.spec().get(f.getKey())))) shared.set(f.getKey(), f.getValue());
    }
    return shared;
  }
}
