package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DenseCaptionTest {
  static final List<VqaItem> ITEMS = VqaGenerator.items(31, 0, 900, 64);

  @Test
  void everyWordIsInTheCriticVocabulary() {
    Set<String> vocabulary = Set.copyOf(WorldVocabulary.vocabulary());
    for (VqaItem it : ITEMS)
      for (String w : WorldVocabulary.words(DenseCaption.of(it)))
        assertThat(vocabulary).as("word '%s' of \"%s\"", w, DenseCaption.of(it)).contains(w);
  }

  @Test
  void horizonItemsSayLineEqualsHorizonExactlyWhenTheAnswerIsYesOrTheMissIsFar() {
    Pattern p = Pattern.compile("horizon (\\d+) .* line (\\d+)");
    int checked = 0;
    for (VqaItem it : ITEMS) {
      if (!it.task().equals("horizon")) continue;
      Matcher m = p.matcher(DenseCaption.of(it));
      assertThat(m.find()).as(DenseCaption.of(it)).isTrue();
      int horizon = Integer.parseInt(m.group(1)), line = Integer.parseInt(m.group(2));
      if (it.yes()) assertThat(Math.abs(horizon - line)).as(DenseCaption.of(it)).isLessThanOrEqualTo(1);
      else assertThat(Math.abs(horizon - line)).as(DenseCaption.of(it)).isGreaterThanOrEqualTo(1); // misses are >= 4 px = 2 bins
      assertThat(DenseCaption.of(it).contains(" band ")).isEqualTo(it.hacked());
      checked++;
    }
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void depthItemsNameTheNearerPointTheQuestionAsksAbout() {
    int checked = 0;
    for (VqaItem it : ITEMS) {
      if (!it.task().equals("depth")) continue;
      String closer = (String) it.overlayParams().get("closer");
      String nearer = DenseCaption.of(it).endsWith("A nearer") ? "A" : "B";
      assertThat(nearer.equals(closer)).as(it.question() + " / " + DenseCaption.of(it)).isEqualTo(it.yes());
      checked++;
    }
    assertThat(checked).isGreaterThan(50);
  }

  @Test
  void drawingsCarryTheirStrokeWeightAndPhotosNone() {
    for (VqaItem it : ITEMS) {
      String d = DenseCaption.of(it);
      if (it.truth().drawing()) assertThat(d).contains("drawing " + it.truth().strokeWeight());
      else assertThat(d).contains("photo").doesNotContain("drawing");
    }
  }
}
