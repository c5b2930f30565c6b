package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.eval.DetectedObject;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Verdict;
import dev.dualproc.eval.Verifiers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VqaGeneratorTest {
  static final int N = 9 * 2 * 12;

  @Test void deterministicAndBalancedPerTask() {
    List<VqaItem> items = VqaGenerator.items(5, 0, N, 64);
    List<VqaItem> again = VqaGenerator.items(5, 0, N, 64);
    Map<String, int[]> yesNo = new HashMap<>();
    for (int i = 0; i < N; i++) {
      VqaItem a = items.get(i), b = again.get(i);
      assertThat(a.question()).isEqualTo(b.question());
      assertThat(a.yes()).isEqualTo(b.yes());
      assertThat(Canvas.pixels(a.image())).isEqualTo(Canvas.pixels(b.image()));
      yesNo.computeIfAbsent(a.task(), k -> new int[2])[a.yes() ? 0 : 1]++;
      assertThat(a.answer()).isIn("Yes", "No");
      assertThat(a.hasOverlay()).isEqualTo(List.of("palette", "line-weight", "horizon", "depth").contains(a.task()));
    }
    assertThat(yesNo.keySet()).containsExactlyInAnyOrderElementsOf(VqaGenerator.TASKS);
    for (var e : yesNo.entrySet()) assertThat(e.getValue()).as(e.getKey()).containsExactly(12, 12);
    assertThat(VqaGenerator.items(6, 0, 9, 64).get(0).question()).isNotNull();
  }

  /** Teaching starts from scenes without a palette or a stroke: their No items include such scenes; Yes items never do. */
  @Test void paletteAndLineWeightNegativesIncludeScenesWithoutThem() {
    int plainNo = 0, photoNo = 0;
    for (int i = 0; i < 200; i++) {
      VqaItem p = VqaGenerator.item(19, 5 + 9L * i, 64), l = VqaGenerator.item(19, 6 + 9L * i, 64);
      assertThat(p.task()).isEqualTo("palette");
      assertThat(l.task()).isEqualTo("line-weight");
      if (p.yes()) assertThat(p.truth().hasPalette()).isTrue(); else if (!p.truth().hasPalette()) plainNo++;
      if (l.yes()) assertThat(l.truth().drawing()).isTrue(); else if (!l.truth().drawing()) photoNo++;
    }
    assertThat(plainNo).isBetween(25, 75);   // about half of the 100 No items
    assertThat(photoNo).isBetween(25, 75);
  }

  /** A count question's words say nothing of its answer: "exactly one" and "exactly two" are yes about half the time. */
  @Test void countQuestionsCarryNoAnswerInTheirWords() {
    Map<String, int[]> byNumber = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      VqaItem it = VqaGenerator.item(17, 2 + 9L * i, 32); // index = 2 mod 9: the counts task
      assertThat(it.task()).isEqualTo("counts");
      String number = it.question().contains("exactly one") ? "one" : it.question().contains("exactly two") ? "two" : "three";
      byNumber.computeIfAbsent(number, k -> new int[2])[it.yes() ? 0 : 1]++;
    }
    for (String n : List.of("one", "two")) {
      int[] c = byNumber.get(n);
      double yes = (double) c[0] / (c[0] + c[1]);
      assertThat(yes).as("P(yes | 'exactly %s') over %d questions", n, c[0] + c[1]).isBetween(0.38, 0.62);
    }
  }

  /** The answers agree with what the verifiers measure, independently of the generator's use of the truth. */
  @Test void answersAgreeWithTheVerifiers() {
    int hacked = 0;
    for (VqaItem it : VqaGenerator.items(11, 0, N, 64)) {
      String what = it.task() + " '" + it.question() + "' " + it.overlayParams() + " -> " + it.answer();
      if (it.hasOverlay()) {
        Verdict v = Verifiers.forControl(it.overlayPreset(), it.overlayParams(), null).orElseThrow().judge(it.scene());
        if (it.hacked()) {
          hacked++;
          assertThat(v.validScene()).as(what).isFalse();
        } else {
          assertThat(v.passAndValid()).as(what + " " + v.measured()).isEqualTo(it.yes());
        }
        // the critic sees the overlay: the image differs from the scene where the overlay marks are
        assertThat(Canvas.pixels(it.image())).isNotEqualTo(Canvas.pixels(it.scene()));
        continue;
      }
      List<DetectedObject> found = SceneAnalysis.of(it.scene()).objects;
      if (PlainAnswers.check(it, found, what, List.of("zero", "one", "two", "three"))) continue;
      switch (it.task()) {
        case "time-of-day" -> assertThat(it.question().contains(switch (it.truth().timeOfDay()) {
          case DAY -> "daytime";
          case SUNSET -> "sunset";
          case NIGHT -> "night";
        })).as(what).isEqualTo(it.yes());
        default -> throw new AssertionError(it.task());
      }
    }
    assertThat(hacked).as("hacked horizon negatives").isGreaterThan(0);
  }
}
