package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.Images;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldCommandTest {
  @TempDir Path dir;

  private static CliRun run(String... args) { return CliRun.of(args); }

  @Test void renderWritesTheSceneAndItsGroundTruth() throws Exception {
    CliRun r = run("world", "render", "--seed", "42", "--out", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Path png = dir.resolve("scene-42.png"), json = dir.resolve("scene-42.json");
    assertThat(Images.read(png).getWidth()).isEqualTo(64);
    JsonNode t = new ObjectMapper().readTree(json.toFile());
    assertThat(t.get("seed").asLong()).isEqualTo(42);
    assertThat(t.get("horizon_fraction").asDouble()).isBetween(0.2, 0.8);
    assertThat(t.get("depth").size()).isEqualTo(64);
    assertThat(t.get("depth").get(0).size()).isEqualTo(64);
    assertThat(t.has("palette")).isTrue();
    assertThat(t.has("stroke_weight")).isTrue();
    assertThat(t.get("objects").isArray()).isTrue();
    assertThat(Images.readPngText(png)).containsEntry("caption", t.get("caption").asText());
    assertThat(r.out()).contains(t.get("caption").asText());
    // same seed, same bytes
    Path again = dir.resolve("again");
    run("world", "render", "--seed", "42", "--out", again.toString());
    assertThat(Files.readAllBytes(again.resolve("scene-42.png"))).isEqualTo(Files.readAllBytes(png));
  }

  @Test void verifyDescribesAnImageAndJudgesControls() throws Exception {
    run("world", "render", "--seed", "42", "--out", dir.toString(), "--style", "drawing");
    Path png = dir.resolve("scene-42.png");
    JsonNode t = new ObjectMapper().readTree(dir.resolve("scene-42.json").toFile());
    CliRun plain = run("world", "verify", png.toString());
    assertThat(plain.code()).as(plain.err()).isZero();
    assertThat(plain.out()).contains("scene:", "valid: true", "horizonRow:", "strokeWeight: " + t.get("stroke_weight").asInt(), "caption: a drawing of");

    String horizon = "{\"value\":" + t.get("horizon_fraction").asDouble() + "}";
    CliRun ok = run("world", "verify", png.toString(), "--preset", "horizon", "--params", horizon, "--prompt", t.get("caption").asText());
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("horizon:", "passAndValid: true", "objects:");

    CliRun wrong = run("world", "verify", png.toString(), "--preset", "line-weight", "--params", "{\"value\": 9}", "--json");
    assertThat(wrong.code()).isEqualTo(1);
    JsonNode j = new ObjectMapper().readTree(wrong.out());
    assertThat(j.get("line-weight").get("pass").asBoolean()).isFalse();
    assertThat(j.get("scene").get("valid").asBoolean()).isTrue();

    CliRun bad = run("world", "verify", png.toString(), "--preset", "horizon", "--params", "{\"value\": \"up\"}");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("horizon.value");
  }

  @Test void accuracyPrintsTheTable() {
    CliRun r = run("world", "accuracy", "--count", "20", "--first-seed", "50000");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("| horizon |", "| validity vs noise |", "20 held-out images (seeds 50000..50019)");
  }

  @Test void evalGeneratorTakesTheSamplingSteps() {
    CliRun bad = run("world", "eval", "generator", "--count", "1", "--steps", "0");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--steps");
    CliRun r = run("world", "eval", "generator", "--count", "2", "--steps", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("| held-out captions | 2 |", "valid scenes");
    var byKind = java.util.regex.Pattern.compile("\\| a captioned kind\\+colour present, by kind[^|]*\\| ([a-z]+ [0-9.]+% of [0-9]+(, )?)+ \\|").matcher(r.out());
    assertThat(byKind.find()).as(r.out()).isTrue();
    assertThat(r.out()).contains("| valid horizons inside a 8-px token row (3 of its 8 rows; uniform 37.5%) |");
    var valid = java.util.regex.Pattern.compile("\\| valid scenes \\| ([0-9.]+)% ").matcher(r.out());
    assertThat(valid.find()).isTrue();
    // every invalid image is counted under its reason
    if (Double.parseDouble(valid.group(1)) < 100) assertThat(r.out()).containsPattern("\\| invalid scenes by the validity check's reason \\| \\{[a-z ]+=[12]");
  }

  @Test void evalGeneratorRenoiseRowsMeetTheRoundTripAtZeroAndGenerationAtOne() {
    CliRun bad = run("world", "eval", "generator", "--count", "1", "--renoise", "0.3");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--renoise: 0.3 is not a time", "0.25");
    CliRun r = run("world", "eval", "generator", "--count", "6", "--renoise", "0,0.5,1");
    assertThat(r.code()).as(r.err()).isZero();
    var found = java.util.regex.Pattern.compile("\\| captioned objects found with their colours[^|]*\\| ([0-9.]+%) .*\\n[^\\n]*round trip[^|]*\\| ([0-9.]+%) \\(valid: ([0-9.]+%)\\)").matcher(r.out());
    assertThat(found.find()).as(r.out()).isTrue();
    // t = 0 is decode(encode(scene)); t = 1 starts from the same seeded noise as plain generation
    assertThat(r.out()).contains("| 0.000 (the round trip) | " + found.group(2) + " | " + found.group(3) + " |", "| 0.500 | ", "| 1.000 | " + found.group(1) + " |");
  }

  @Test void evalGeneratorRenoiseWithKindsSwappedAddsAColumnThatTheRoundTripIgnores() {
    CliRun bad = run("world", "eval", "generator", "--count", "1", "--renoise-kinds-swapped");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--renoise-kinds-swapped: give --renoise T,... too");
    CliRun r = run("world", "eval", "generator", "--count", "6", "--renoise", "0,0.5", "--renoise-kinds-swapped");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("| objects found, denoised with every kind word swapped |");
    // t = 0 decodes the scene's own latent: no caption is read, so the swapped column equals the true one
    var zero = java.util.regex.Pattern.compile("\\| 0.000 \\(the round trip\\) \\| ([0-9.]+%) \\| [0-9.]+% \\| ([0-9.]+%) \\|").matcher(r.out());
    assertThat(zero.find()).as(r.out()).isTrue();
    assertThat(zero.group(2)).isEqualTo(zero.group(1));
    assertThat(r.out()).containsPattern("\\| 0.500 \\| [0-9.]+% \\| [0-9.]+% \\| [0-9.]+% \\|");
  }

  @Test void evalGeneratorLatentBlurStartsAtTheRoundTrip() {
    CliRun bad = run("world", "eval", "generator", "--count", "1", "--latent-blur", "1.5");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--latent-blur: expected shares in [0, 1], got 1.5");
    CliRun r = run("world", "eval", "generator", "--count", "6", "--latent-blur", "0,1");
    assertThat(r.code()).as(r.err()).isZero();
    var found = java.util.regex.Pattern.compile("round trip[^|]*\\| ([0-9.]+%) \\(valid: ([0-9.]+%)\\)").matcher(r.out());
    assertThat(found.find()).as(r.out()).isTrue();
    assertThat(r.out()).contains("| 0.00 (the round trip) | " + found.group(1) + " | " + found.group(2) + " |", "| 1.00 | ");
  }

  @Test void evalGeneratorKindSwapMeasuresEveryKindAtTheSameNoise() throws Exception {
    CliRun bad = run("world", "eval", "generator", "--count", "1", "--kind-swap", "1");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--kind-swap: expected at least 2 seeds, got 1");
    CliRun r = run("world", "eval", "generator", "--count", "1", "--kind-swap", "2", "--images", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("| tree | house | rock | ball | person | car |", "| the named object found (objects verifier) |");
    var m = java.util.regex.Pattern.compile("kind word changes: ([0-9.]+); between seeds with the same caption: ([0-9.]+); ratio ([0-9.]+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(m.group(2))).as("two noise seeds give two images").isPositive();
    java.awt.image.BufferedImage grid = javax.imageio.ImageIO.read(dir.resolve("kind-swap.png").toFile());
    assertThat(grid.getWidth()).isEqualTo(6 * 64);
    assertThat(grid.getHeight()).isEqualTo(2 * 64);
  }

  @Test void vqaWritesImagesAndQuestions() throws Exception {
    CliRun r = run("world", "vqa", "--count", "18", "--out", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    var lines = Files.readAllLines(dir.resolve("vqa.jsonl"));
    assertThat(lines).hasSize(18);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("answer").asText()).isEqualTo("Yes");
    assertThat(Files.exists(dir.resolve(first.get("image").asText()))).isTrue();
    assertThat(lines).anyMatch(l -> l.contains("\"overlay\":\"horizon\"") && l.contains("\"mode\":\"transparent\""));
  }
}
