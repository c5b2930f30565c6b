package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
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
  void everyGeneratedQuestionHasItsFamilyAndTargetsInRange() {
    for (VqaItem it : VqaGenerator.items(3, 0, 180, 64)) {
      long[] t = QuestionProbe.targets(it);
      assertThat(t[0]).isEqualTo(VqaGenerator.TASKS.indexOf(it.task()));
      for (int g = 0; g < t.length; g++) assertThat(t[g]).isBetween(0L, QuestionProbe.GROUPS[g] - 1L);
      if (it.task().equals("objects")) assertThat(t[1]).isPositive();
    }
  }
}
