package dev.dualproc.world.table;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dualproc.distill.Results.OffOn;
import java.util.List;
import java.util.Map;

/**
 * A finished cell, cells/<id>.json. Rates are over the evaluation seeds: {@code passValid} the control passes on a valid
 * scene, {@code valid} a valid scene, {@code objects} the prompt's objects found (ObjectsVerifier); {@code objectsRatio}
 * on/off (null when none were found with the LoRA off). Seconds: {@code trainWallSeconds} from the start of the teach
 * run to its last step, evaluation excluded; {@code setupSeconds} its part before the first step (models, prompts);
 * {@code stepSeconds} the optimizer steps alone; {@code secondsPer100Steps} setup + the rest scaled to 100 steps.
 * {@code misses} names every target the row does not meet; {@code spec} is the resolved task the run used.
 */
@JsonPropertyOrder({"preset", "prompt_number", "prompt", "teaching_seed", "params", "run", "steps", "train_wall_seconds",
    "setup_seconds", "step_seconds", "seconds_per_100_steps", "eval_seconds", "eval_seeds", "pass_valid", "valid", "objects", "objects_ratio",
    "vlm_p", "meets_target", "misses", "spec"})
public record CellResult(String preset, int promptNumber, String prompt, long teachingSeed, Map<String, Object> params,
                         String run, int steps, double trainWallSeconds, double setupSeconds, double stepSeconds, @JsonProperty("seconds_per_100_steps") double secondsPer100Steps,
                         double evalSeconds, int evalSeeds, OffOn passValid, OffOn valid, OffOn objects, Double objectsRatio,
                         OffOn vlmP, boolean meetsTarget, List<String> misses, JsonNode spec) {

  @com.fasterxml.jackson.annotation.JsonIgnore
  public Cell cell() { return new Cell(preset, promptNumber, prompt, teachingSeed); }
}
