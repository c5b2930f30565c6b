package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.SceneObject;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class QuestionProbeTest {
  static VqaItem asking(String task, String question) {
    return new VqaItem(task, 0, null, null, question, true, null, null, null, false);
  }

  @Test
  void targetsAreTheFamilyAndTheWordsAskedAbout() {
    assertThat(QuestionProbe.targets(asking("left-right", "Is the white person to the left of the green tree?")))
        .containsExactly(3, 1 + Kind.PERSON.ordinal(), 1 + NamedColour.WHITE.ordinal(), 1 + Kind.TREE.ordinal(), 1 + NamedColour.GREEN.ordinal(), 0, 0);
    assertThat(QuestionProbe.targets(asking("counts", "Are there exactly two rocks in the image?")))
        .containsExactly(2, 1 + Kind.ROCK.ordinal(), 0, 0, 0, 3, 0);
    assertThat(QuestionProbe.targets(asking("time-of-day", "Is this scene at sunset?"))).containsExactly(4, 0, 0, 0, 0, 0, 2);
    assertThat(QuestionProbe.targets(asking("horizon", "Is the overlaid red line aligned with the horizon of the scene?")))
        .containsExactly(7, 0, 1 + NamedColour.RED.ordinal(), 0, 0, 0, 0);
  }

  @Test
  void columnsAreThoseOfTheNamedObjectsInTheOrderNamedOnRenderedLeftRightItemsOnly() {
    int pairs = 0, sides = 0;
    for (VqaItem it : dev.dualproc.world.critic.VqaBatches.items(3, 0, 9 * 60, List.of("left-right"), new ItemRecipe(4, 0, 0, 0.5))) {
      float[] c = QuestionProbe.columns(it);
      List<SceneObject> objects = it.truth().objects();
      Matcher m = NAMED.matcher(it.question());
      for (int j = 0; j < 2; j++) {
        if (!m.find()) { assertThat(c[j]).as(it.question()).isNaN(); continue; }
        String colour = m.group(1), kind = m.group(2);
        SceneObject o = objects.stream().filter(x -> x.colour().word.equals(colour) && x.kind().singular.equals(kind)).findFirst().orElseThrow();
        assertThat(c[j]).as(it.question()).isEqualTo((float) (o.centreX() / it.truth().width()));
      }
      if (Float.isNaN(c[1])) sides++; else {
        pairs++;
        boolean firstLeft = c[0] < c[1], askedLeft = it.question().contains(" left of ");
        assertThat(it.yes()).as("the answer is the named columns' order read with the wording: " + it.question()).isEqualTo(firstLeft == askedLeft);
      }
    }
    assertThat(pairs).isPositive();
    assertThat(sides).isPositive();
    VqaItem generated = new VqaItem("left-right", 0, null, null, "Is the white person to the left of the green tree?", true, null, null, null, false);
    assertThat(QuestionProbe.columns(generated)).as("no renderer's truth, no columns").containsOnly(Float.NaN);
    VqaItem colours = VqaGenerator.item(3, VqaGenerator.TASKS.indexOf("colours"), 64);
    assertThat(QuestionProbe.columns(colours)).containsOnly(Float.NaN);
  }

  private static final Pattern NAMED = Pattern.compile("the (\\w+) (\\w+)(?= to| on|\\?)");

  @Test
  void everyGeneratedQuestionHasItsFamilyAndTargetsInRange() {
    for (VqaItem it : VqaGenerator.items(3, 0, 180, 64)) {
      long[] t = QuestionProbe.targets(it);
      assertThat(t[0]).isEqualTo(VqaGenerator.TASKS.indexOf(it.task()));
      for (int g = 0; g < t.length; g++) assertThat(t[g]).isBetween(0L, QuestionProbe.GROUPS[g] - 1L);
      if (it.task().equals("objects")) assertThat(t[1]).isPositive();
    }
  }
}
