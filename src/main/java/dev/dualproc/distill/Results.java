package dev.dualproc.distill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dualproc.engine.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * results.json: {"steps", "seconds", "seconds_per_step", "eval": [{"prompt", "seed", "lora": "off"|"on", "answers":
 * [{"question", "answer", "p", "greedy"}], "verifier": {...} or null}], "summary": {"vlm_p": {"off", "on"},
 * "verifier_pass_rate": {"off", "on"} or null}}.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"steps", "seconds", "seconds_per_step", "eval", "summary"})
public record Results(int steps, double seconds, double secondsPerStep, List<Entry> eval, Summary summary) {

  @JsonPropertyOrder({"prompt", "seed", "lora", "answers", "verifier"})
  public record Entry(String prompt, long seed, String lora, List<Answer> answers, Map<String, Object> verifier) {
    public double meanP() { return answers.stream().mapToDouble(Answer::p).average().orElse(Double.NaN); }
    public boolean on() { return lora.equals("on"); }
  }

  @JsonPropertyOrder({"question", "answer", "p", "greedy"})
  public record Answer(String question, String answer, double p, String greedy) {}

  public record Summary(OffOn vlmP, OffOn verifierPassRate) {}

  public record OffOn(double off, double on) {}

  /** vlm_p: the mean over images of the mean p over questions; verifier_pass_rate: the share of images that pass and are valid scenes. */
  public static Summary summarize(List<Entry> eval) {
    OffOn p = new OffOn(mean(eval, false), mean(eval, true));
    boolean judged = !eval.isEmpty() && eval.stream().allMatch(e -> e.verifier() != null);
    OffOn rate = judged ? new OffOn(passRate(eval, false), passRate(eval, true)) : null;
    return new Summary(p, rate);
  }

  private static double mean(List<Entry> eval, boolean on) {
    return eval.stream().filter(e -> e.on() == on).mapToDouble(Entry::meanP).average().orElse(Double.NaN);
  }

  private static double passRate(List<Entry> eval, boolean on) {
    return eval.stream().filter(e -> e.on() == on)
        .mapToDouble(e -> Boolean.TRUE.equals(e.verifier().get("pass")) && Boolean.TRUE.equals(e.verifier().get("valid_scene")) ? 1 : 0)
        .average().orElse(Double.NaN);
  }

  static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public void write(Path file) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(this) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Results read(Path file) {
    try {
      return JSON.readValue(file.toFile(), Results.class);
    } catch (java.io.IOException e) {
      throw new dev.dualproc.engine.DualprocException(file + ": not a results.json (" + e.getMessage() + ")", e);
    }
  }
}
