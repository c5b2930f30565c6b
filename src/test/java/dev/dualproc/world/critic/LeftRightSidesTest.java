package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Side items: a share of the left-right family asks which side of the image one lone object is on. */
class LeftRightSidesTest {
  private static final int LEFT_RIGHT = VqaGenerator.TASKS.indexOf("left-right");
  private static final Pattern SIDE = Pattern.compile("(?:Is|Does the image show) the (\\w+) (\\w+) on the (left|right)(?: of the image)?\\?");

  @Test void sideItemsAskAboutOneLoneObjectClearOfTheMiddleAndAreAnsweredByItsCentre() {
    ItemRecipe all = new ItemRecipe(4, 0, 0, 1);
    int yes = 0;
    for (int k = 0; k < 120; k++) {
      VqaItem it = VqaGenerator.item(5, (long) k * VqaGenerator.TASKS.size() + LEFT_RIGHT, 64, all);
      Matcher m = SIDE.matcher(it.question());
      assertThat(m.matches()).as(it.question()).isTrue();
      assertThat(WorldVocabulary.vocabulary()).as("a warm-started critic reads every word").containsAll(WorldVocabulary.words(it.question()));
      List<SceneObject> named = it.truth().objects().stream()
          .filter(o -> o.colour().word.equals(m.group(1)) && o.kind().singular.equals(m.group(2))).toList();
      assertThat(named).as("one object is the %s %s", m.group(1), m.group(2)).hasSize(1);
      double x = named.get(0).centreX() / it.truth().width();
      assertThat(Math.abs(x - 0.5)).as("clear of the middle").isGreaterThan(0.1);
      assertThat(it.yes()).as(it.question()).isEqualTo(m.group(3).equals("left") == x < 0.5);
      assertThat(it.target()).isEqualTo(it.yes() ? 1.0 : 0.0);
      if (it.yes()) yes++;
    }
    assertThat(yes).isEqualTo(60);
  }

  @Test void aShareOfTheLeftRightItemsAreSideItemsAndEveryOtherItemIsTheDefaultStreams() {
    ItemRecipe half = new ItemRecipe(4, 0, 0, 0.5);
    int sides = 0;
    for (int i = 0; i < 9 * 80; i++) {
      VqaItem it = VqaGenerator.item(5, i, 64, half), plain = VqaGenerator.item(5, i, 64);
      if (VqaGenerator.task(i).equals("left-right")) {
        if (SIDE.matcher(it.question()).matches()) sides++;
        else assertThat(it.question()).contains(" to the ");
        assertThat(SIDE.matcher(plain.question()).matches()).as("the default stream only compares").isFalse();
      } else {
        assertThat(List.of(it.sceneSeed(), it.question(), it.target())).isEqualTo(List.of(plain.sceneSeed(), plain.question(), plain.target()));
      }
    }
    assertThat(sides).isBetween(25, 55);
  }

  @Test void theConfigCarriesTheShareAndChecksIt() {
    assertThat(CriticConfig.micro().itemRecipe()).isEqualTo(ItemRecipe.DEFAULT);
    assertThat(CriticConfig.micro().withLeftRightSides(0.5).itemRecipe()).isEqualTo(new ItemRecipe(4, 0, 0, 0.5));
    assertThatThrownBy(() -> CriticConfig.micro().withLeftRightSides(1.5)).isInstanceOf(DualprocException.class).hasMessageContaining("--left-right-sides");
  }
}
