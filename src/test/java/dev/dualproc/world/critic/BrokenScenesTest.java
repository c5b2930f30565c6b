package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Broken-scene items: the control's true overlay on a scene the validity check rejects, answered No. */
class BrokenScenesTest {
  @Test void itemsShowTheTrueOverlayOnAnInvalidSceneAndAnswerNo() {
    ItemRecipe recipe = new ItemRecipe(4, 1.5, 0.25, 0.5);
    List<VqaItem> items = BrokenScenes.items(5, 0, 16, recipe);
    assertThat(items).extracting(VqaItem::task).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, 16).mapToObj(i -> VqaGenerator.OVERLAY_TASKS.get(i % 4)).toList());
    for (VqaItem it : items) {
      assertThat(it.yes()).isFalse();
      assertThat(it.target()).isZero();
      assertThat(it.truth()).as("no scene truth: the probes read rendered scenes only").isNull();
      assertThat(SceneAnalysis.of(it.scene()).validity.valid()).as(it.task() + " scene must be invalid").isFalse();
      // the overlay is the intact scene's own: the horizon line within the verifier's 3 px of the rendered horizon
      if (it.task().equals("horizon")) {
        var truth = SceneRenderer.render(it.sceneSeed(), CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE).truth();
        double row = ((Number) it.overlayParams().get("value")).doubleValue() * CriticConfig.IMAGE_SIZE;
        assertThat(Math.abs(row - truth.horizonRow())).isLessThanOrEqualTo(ItemRecipe.HORIZON_TOLERANCE + 0.01);
      }
    }
    // a function of (seed, index)
    assertThat(BrokenScenes.items(5, 3, 2, recipe)).extracting(VqaItem::question)
        .containsExactly(items.get(3).question(), items.get(4).question());
  }

  @Test void blobsBreakManyScenesInOneGo() {
    SplittableRandom rng = new SplittableRandom(3);
    int invalid = 0;
    for (int s = 0; s < 50; s++)
      if (!SceneAnalysis.of(Scrambles.blobs(SceneRenderer.render(70_000 + s, 64, 64).image(), rng)).validity.valid()) invalid++;
    assertThat(invalid).as(invalid + " of 50 (BrokenScenes paints again until the scene is invalid)").isGreaterThanOrEqualTo(20);
  }

  @Test void clutterPilesSmallObjectsAndBreaksScenes() {
    SplittableRandom rng = new SplittableRandom(4);
    int invalid = 0;
    for (int s = 0; s < 50; s++) {
      var scene = SceneRenderer.render(80_000 + s, 64, 64).image();
      var heap = Scrambles.clutter(scene, rng);
      int changed = 0;
      for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) if (heap.getRGB(x, y) != scene.getRGB(x, y)) changed++;
      assertThat(changed).as("scene " + s + ": pixels painted").isBetween(60, 64 * 64 / 2);
      if (!SceneAnalysis.of(heap).validity.valid()) invalid++;
    }
    assertThat(invalid).as(invalid + " of 50 (BrokenScenes paints again until the scene is invalid)").isGreaterThanOrEqualTo(20);
  }

  @Test void texturesCoverARegionAndBreakScenes() {
    SplittableRandom rng = new SplittableRandom(5);
    int invalid = 0;
    for (int s = 0; s < 50; s++) {
      var r = SceneRenderer.render(90_000 + s, 64, 64);
      var textured = Scrambles.texture(r.image(), r.truth().horizonRow(), rng);
      int changed = 0;
      for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) if (textured.getRGB(x, y) != r.image().getRGB(x, y)) changed++;
      assertThat(changed).as("scene " + s + ": pixels textured").isGreaterThan(60);
      if (!SceneAnalysis.of(textured).validity.valid()) invalid++;
    }
    assertThat(invalid).as(invalid + " of 50").isGreaterThanOrEqualTo(35);
  }

  @Test void theMixPutsBrokenItemsBetweenRenderedAndGenerated() {
    CriticConfig c = CriticConfig.micro(); // batch 4, 2 caption items
    GeneratedVqa vqa = new GeneratedVqa(GeneratedVqaTest.standInPool(45), VqaGenerator.TASKS);
    var mixed = GeneratedMix.source(7, c, vqa, 1, 1).items(4, 4);
    assertThat(mixed.subList(0, 2)).allSatisfy(it -> assertThat(it.truth()).isNotNull());
    assertThat(mixed.get(2).question()).isEqualTo(BrokenScenes.item(7, 1, c.itemRecipe()).question());
    assertThat(mixed.get(3).question()).isEqualTo(vqa.items(7, 1, 1).get(0).question());
    assertThatThrownBy(() -> new GeneratedMix.Settings(0, 64, "world", "", "", 0.1)).isInstanceOf(DualprocException.class).hasMessageContaining("--broken-fraction");
    assertThatThrownBy(() -> new GeneratedMix.Settings(0.2, 64, "world", "", "", 0.6)).isInstanceOf(DualprocException.class).hasMessageContaining("[0, 0.5]");
  }
}
