package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.json has exactly the schema; the summary's means and pass rates. */
class ResultsTest {
  @TempDir Path tmp;

  static Results.Entry entry(long seed, String lora, double p1, double p2, Map<String, Object> verifier) {
    return new Results.Entry("a house", seed, lora, List.of(new Results.Answer("Q1", "Yes", p1, "Yes"), new Results.Answer("Q2", "Yes", p2, "No")), verifier);
  }

  @Test void withoutAVerifierTheVerifierPartsAreNull() throws Exception {
    List<Results.Entry> eval = List.of(entry(0, "off", 0.2, 0.4, null), entry(0, "on", 0.8, 1.0, null),
        entry(1, "off", 0.0, 0.2, null), entry(1, "on", 0.6, 0.8, null));
    Results r = new Results(20, 10.0, 0.5, eval, Results.summarize(eval));
    r.write(tmp.resolve("results.json"));
    JsonNode n = new ObjectMapper().readTree(tmp.resolve("results.json").toFile());
    assertThat(n.fieldNames()).toIterable().containsExactly("steps", "seconds", "seconds_per_step", "eval", "summary");
    assertThat(n.get("eval").get(0).fieldNames()).toIterable().containsExactly("prompt", "seed", "lora", "answers", "verifier");
    assertThat(n.get("eval").get(0).get("answers").get(0).fieldNames()).toIterable().containsExactly("question", "answer", "p", "greedy");
    assertThat(n.get("eval").get(1).get("lora").asText()).isEqualTo("on");
    assertThat(n.get("eval").get(0).get("verifier").isNull()).isTrue();
    assertThat(n.get("summary").fieldNames()).toIterable().containsExactly("vlm_p", "verifier_pass_rate");
    assertThat(n.get("summary").get("verifier_pass_rate").isNull()).isTrue();
    assertThat(n.get("summary").get("vlm_p").get("off").asDouble()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(n.get("summary").get("vlm_p").get("on").asDouble()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(Results.read(tmp.resolve("results.json"))).isEqualTo(r);
  }

  @Test void thePassRateCountsImagesThatPassAndAreValidScenes() {
    Map<String, Object> pass = Map.of("pass", true, "valid_scene", true, "measured", Map.of("horizon", 0.31));
    Map<String, Object> invalid = Map.of("pass", true, "valid_scene", false, "measured", Map.of());
    Map<String, Object> fail = Map.of("pass", false, "valid_scene", true, "measured", Map.of());
    List<Results.Entry> eval = List.of(entry(0, "off", 0, 0, fail), entry(0, "on", 1, 1, pass),
        entry(1, "off", 0, 0, pass), entry(1, "on", 1, 1, invalid));
    Results.Summary s = Results.summarize(eval);
    assertThat(s.verifierPassRate()).isEqualTo(new Results.OffOn(0.5, 0.5));
  }
}
