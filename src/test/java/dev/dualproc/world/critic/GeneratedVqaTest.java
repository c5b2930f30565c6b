package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.eval.DetectedObject;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.world.Canvas;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.PlainAnswers;
import dev.dualproc.world.VqaItem;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generated-image VQA over a stand-in pool: rendered scenes, some softened as generated ones are, a third broken. */
class GeneratedVqaTest {
  static GeneratedVqa vqa;
  static List<VqaItem> items;
  static final int N = 8 * 2 * 16;

  @BeforeAll static void pool() {
    vqa = new GeneratedVqa(standInPool(60), VqaGenerator.TASKS);
    items = vqa.items(3, 0, N);
  }

  /** Rendered scenes standing in for generated ones: every third broken (patch shuffle, stripes, noise), every fourth blurred. */
  static GeneratedPool standInPool(int n) {
    List<BufferedImage> images = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    SplittableRandom rng = new SplittableRandom(5);
    for (int k = 0; k < n; k++) {
      long seed = 61_000 + k;
      BufferedImage img = SceneRenderer.render(seed, 64, 64).image();
      if (k % 3 == 2) img = switch (k % 9) {
        case 2 -> Scrambles.patchShuffle(img, 8, rng);
        case 5 -> Scrambles.stripes(img, rng);
        default -> Scrambles.noise(64, 64, rng);
      };
      else if (k % 4 == 0) img = Scrambles.gaussianBlur(img, 0.5);
      images.add(img);
      seeds.add(seed);
      captions.add(GeneratedPool.caption(seed));
    }
    return new GeneratedPool(images, seeds, captions);
  }

  @Test void everyFamilyButTimeOfDayIsAskedAndBalanced() {
    assertThat(vqa.families()).containsExactlyElementsOf(GeneratedVqa.TASKS).doesNotContain("time-of-day");
    Map<String, int[]> b = GeneratedVqa.balance(items);
    for (String t : GeneratedVqa.TASKS) assertThat(b.get(t)).as(t + " {items, yes}").containsExactly(32, 16);
    assertThat(b).doesNotContainKey("time-of-day");
    assertThat(vqa.validRate()).isBetween(0.5, 0.75);
  }

  @Test void deterministicForSeedAndIndex() {
    GeneratedVqa again = new GeneratedVqa(standInPool(60), VqaGenerator.TASKS);
    List<VqaItem> shuffled = new ArrayList<>();
    for (int i = N - 1; i >= 0; i -= 7) shuffled.add(again.item(3, i));
    for (int j = 0, i = N - 1; i >= 0; i -= 7, j++) {
      VqaItem a = items.get(i), b = shuffled.get(j);
      assertThat(b.question()).isEqualTo(a.question());
      assertThat(b.yes()).isEqualTo(a.yes());
      assertThat(b.overlayParams()).isEqualTo(a.overlayParams());
      assertThat(Canvas.pixels(b.image())).isEqualTo(Canvas.pixels(a.image()));
    }
    long differ = 0;
    List<VqaItem> other = vqa.items(4, 0, 64);
    for (int i = 0; i < 64; i++) if (!other.get(i).question().equals(items.get(i).question()) || other.get(i).sceneSeed() != items.get(i).sceneSeed()) differ++;
    assertThat(differ).as("another stream asks other questions").isGreaterThan(32);
  }

  @Test void everyQuestionOnAnInvalidImageAnswersNo() {
    int invalidOverlay = 0, invalidPlain = 0, unhacked = 0;
    for (VqaItem it : items) {
      if (SceneAnalysis.of(it.scene()).validity.valid()) continue;
      if (it.hasOverlay()) invalidOverlay++; else invalidPlain++;
      assertThat(it.yes()).as(it.task() + " '" + it.question() + "' " + it.overlayParams() + " on an invalid image").isFalse();
      if (it.hasOverlay() && !it.hacked()) unhacked++;
    }
    assertThat(invalidOverlay).as("overlay items on invalid images").isGreaterThan(N / 16);
    assertThat(invalidPlain).as("plain items on invalid images").isGreaterThan(N / 16);
    assertThat(unhacked).isGreaterThan(0);
  }

  /** Each answer is what the verifiers measure on the image the critic sees (before its overlay), not the caption's truth. */
  @Test void answersAgreeWithTheVerifiersOnTheImageShown() {
    for (VqaItem it : items) {
      String what = it.task() + " '" + it.question() + "' " + it.overlayParams() + " -> " + it.answer();
      assertThat(it.truth()).isNull();
      if (it.hasOverlay()) {
        assertThat(GeneratedVqa.verifierSays(it)).as(what).isEqualTo(it.yes());
        assertThat(Canvas.pixels(it.image())).isNotEqualTo(Canvas.pixels(it.scene()));
        continue;
      }
      SceneAnalysis a = SceneAnalysis.of(it.scene());
      if (!a.validity.valid()) {
        assertThat(it.yes()).as(what + " on an invalid image").isFalse();
        continue;
      }
      List<DetectedObject> found = a.objects;
      if (!PlainAnswers.check(it, found, what, List.of("zero", "one", "two", "three", "four", "five"))) throw new AssertionError(what);
    }
  }
}
