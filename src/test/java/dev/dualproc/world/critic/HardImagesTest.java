package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hardening images: which files, the held-out seeds refused, the pool they join and the answers they get. */
class HardImagesTest {
  @TempDir Path dir;

  /** A teach-run-like folder: LoRA-on and -off samples, an overlay copy and a grid; the on samples are broken images. */
  private Path runs(long firstSeed) {
    return runs(firstSeed, "a purple rock and a yellow tree on grass during the day", "0.2");
  }

  private Path runs(long firstSeed, String prompt, String horizon) {
    Path run = dir.resolve("runs").resolve("horizon-1-9").resolve("20261205-x");
    Path samples = run.resolve("samples");
    try {
      Files.createDirectories(run);
      Files.writeString(run.resolve("task.yaml"), "prompts: [\"" + prompt + "\"]\ncontrol: {preset: horizon, params: {value: " + horizon + "}}\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 3; i++) {
      long seed = firstSeed + i;
      BufferedImage scene = SceneRenderer.render(seed, 64, 64).image();
      Images.writePng(samples.resolve(String.format("000100-p0-seed%d-on.png", seed)), Scrambles.stripes(scene, rng), Map.of());
      Images.writePng(samples.resolve(String.format("000100-p0-seed%d-off.png", seed)), scene, Map.of());
      Images.writePng(samples.resolve(String.format("000100-p0-seed%d-on-overlay.png", seed)), scene, Map.of());
    }
    Images.writePng(samples.resolve("000100-grid.png"), new BufferedImage(10, 30, BufferedImage.TYPE_INT_RGB), Map.of());
    return dir.resolve("runs");
  }

  @Test void onlyTheLoraOnSamplesInPathOrderAndTheirKeyFollowsTheirBytes() throws Exception {
    Path root = runs(8_100_000);
    List<Path> files = HardImages.files(root);
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("000100-p0-seed8100000-on.png", "000100-p0-seed8100001-on.png", "000100-p0-seed8100002-on.png");
    String key = HardImages.key(root, files);
    assertThat(HardImages.key(root, files)).isEqualTo(key);
    Files.write(files.get(1), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    assertThat(HardImages.key(root, files)).isNotEqualTo(key);
  }

  @Test void samplesOfTheTablesEvaluationSeedsAreRefused() {
    Path root = runs(7_000_010);
    assertThatThrownBy(() -> HardImages.files(root)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("seed7000010-on.png").hasMessageContaining("evaluation seed 7000010");
  }

  @Test void runsWithTheTablesPromptsOrValuesAreRefused() {
    Path prompt = runs(8_100_000, "a blue car on sand at sunset", "0.2");
    assertThatThrownBy(() -> HardImages.files(prompt)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("task.yaml").hasMessageContaining("'a blue car on sand at sunset'").hasMessageContaining("horizon row");
  }

  @Test void runsWithTheTablesValueAreRefusedWhateverTheNumbersSpelling() {
    Path value = runs(8_100_000, "a purple rock on grass during the day", "0.30");
    assertThatThrownBy(() -> HardImages.files(value)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("task.yaml").hasMessageContaining("horizon value");
  }

  @Test void samplesOutsideATeachRunFolderAreRefused() throws Exception {
    Path loose = dir.resolve("loose").resolve("x").resolve("samples").resolve("000100-p0-seed1-on.png");
    Images.writePng(loose, SceneRenderer.render(1, 64, 64).image(), Map.of());
    assertThatThrownBy(() -> HardImages.files(dir.resolve("loose"))).isInstanceOf(DualprocException.class).hasMessageContaining("no task.yaml");
  }

  @Test void emptyFoldersAndWrongSizesAreClearErrors() throws Exception {
    assertThatThrownBy(() -> HardImages.files(dir.resolve("none"))).isInstanceOf(DualprocException.class).hasMessageContaining("not a folder");
    assertThatThrownBy(() -> HardImages.files(dir)).isInstanceOf(DualprocException.class).hasMessageContaining("no LoRA-on samples");
    Path big = dir.resolve("big").resolve("run").resolve("samples").resolve("000100-p0-seed1-on.png");
    Files.createDirectories(big.getParent());
    Files.writeString(big.getParent().getParent().resolve("task.yaml"), "prompts: [\"a red ball\"]\n");
    Images.writePng(big, new BufferedImage(32, 64, BufferedImage.TYPE_INT_RGB), Map.of());
    assertThatThrownBy(() -> HardImages.load(HardImages.files(dir.resolve("big")))).isInstanceOf(DualprocException.class)
        .hasMessageContaining(big.toString()).hasMessageContaining("32x64");
  }

  @Test void joinedBrokenImagesAnswerNoToEveryQuestionAskedOfThem() {
    GeneratedPool base = GeneratedVqaTest.standInPool(18);
    GeneratedPool joined = HardImages.join(base, HardImages.load(HardImages.files(runs(8_200_000))));
    assertThat(joined.size()).isEqualTo(21);
    assertThat(joined.seeds().subList(18, 21)).containsExactly(-1L, -2L, -3L);
    GeneratedVqa vqa = new GeneratedVqa(joined, VqaGenerator.TASKS);
    assertThat(vqa.measured().subList(18, 21)).allSatisfy(m -> assertThat(m.valid()).as("striped images are no scenes").isFalse());
    int asked = 0;
    for (VqaItem it : vqa.items(5, 0, 400))
      if (it.sceneSeed() < 0) { asked++; assertThat(it.yes()).as(it.question()).isFalse(); }
    assertThat(asked).isPositive();
  }

  @Test void settingsKeepTheHardeningAndOldFilesReadWithout() throws Exception {
    var s = new GeneratedMix.Settings(0.25, 64, "world", "runs/fooled", "abc");
    GeneratedMix.write(dir.resolve("a"), s);
    assertThat(GeneratedMix.read(dir.resolve("a"))).isEqualTo(s);
    Files.createDirectories(dir.resolve("b"));
    Files.writeString(dir.resolve("b").resolve(GeneratedMix.FILE), "{\"fraction\":0.25,\"pool\":64,\"generator\":\"world\"}");
    assertThat(GeneratedMix.read(dir.resolve("b")).hardened()).isFalse();
    assertThatThrownBy(() -> new GeneratedMix.Settings(0, 64, "world", "runs/fooled", "abc")).isInstanceOf(DualprocException.class)
        .hasMessageContaining("--generated-fraction");
  }
}
