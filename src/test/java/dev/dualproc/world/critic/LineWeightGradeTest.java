package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Graded line-weight items: the hard items' bars, or bars over strokes thicker than any, answered softly by how far off the bar is. */
class LineWeightGradeTest {
  private static final int LINE_WEIGHT = VqaGenerator.TASKS.indexOf("line-weight");
  private static final ItemRecipe GRADED = new ItemRecipe(4, 0, 0.25);

  @Test void theBarsAreTheHardItemsBarsOrOverStrokesThickerThanAnyBarAndTheAnswerFallsWithHowFarOffTheBarIs() {
    int soft = 0, photos = 0, thick = 0;
    for (int k = 0; k < 160; k++) {
      long index = (long) k * VqaGenerator.TASKS.size() + LINE_WEIGHT;
      VqaItem hard = VqaGenerator.item(5, index, 64), it = VqaGenerator.item(5, index, 64, GRADED);
      assertThat(it.yes()).isEqualTo(hard.yes());
      if (it.truth().strokeWeight() > 4) {
        thick++;
        assertThat(it.yes()).as("a bar over strokes thicker than any bar is a No").isFalse();
        assertThat(it.truth().drawing()).isTrue();
        assertThat(it.truth().strokeWeight()).isBetween(5, 6);
      } else {
        assertThat(List.of(it.sceneSeed(), it.question(), String.valueOf(it.overlayParams())))
            .isEqualTo(List.of(hard.sceneSeed(), hard.question(), String.valueOf(hard.overlayParams())));
      }
      if (!it.truth().drawing()) {
        photos++;
        assertThat(it.target()).as("a bar over a photo is a hard No").isZero();
        continue;
      }
      int off = Math.abs(((Number) it.overlayParams().get("value")).intValue() - it.truth().strokeWeight());
      assertThat(it.target()).as("bar %d px off", off).isCloseTo(GRADED.lineWeightYes(off), offset(1e-12));
      assertThat(it.target() > 0.5).isEqualTo(it.yes()).isEqualTo(off == 0);
      if (it.soft()) soft++;
    }
    assertThat(soft).isGreaterThan(80);
    assertThat(photos).as("No bars over photos").isGreaterThan(10);
    assertThat(thick).as("No bars over strokes of 5-6 px: an eighth of the items").isBetween(8, 40);
    // the hard stream never draws them
    for (int k = 0; k < 160; k++) assertThat(VqaGenerator.item(5, (long) k * VqaGenerator.TASKS.size() + LINE_WEIGHT, 64).truth().strokeWeight()).isLessThanOrEqualTo(4);
    assertThat(GRADED.lineWeightYes(0)).isCloseTo(1 / (1 + Math.exp(-2)), offset(1e-12));
    assertThat(GRADED.lineWeightYes(0.5)).isCloseTo(0.5, offset(1e-12));
    // log p keeps falling with each pixel off: the slope that pulls a thin stroke towards a thick bar
    assertThat(Math.log(GRADED.lineWeightYes(1)) - Math.log(GRADED.lineWeightYes(2))).isGreaterThan(3.5);
    assertThat(Math.log(GRADED.lineWeightYes(2)) - Math.log(GRADED.lineWeightYes(3))).isGreaterThan(3.5);
  }

  @Test void theConfigCarriesTheGradeAndChecksIt() {
    assertThat(CriticConfig.micro().withLineWeightGrade(0.25).itemRecipe()).isEqualTo(new ItemRecipe(4, 0, 0.25));
    assertThat(CriticConfig.micro().withHorizonGrade(1.5).withLineWeightGrade(0.25).itemRecipe()).isEqualTo(new ItemRecipe(4, 1.5, 0.25));
    assertThatThrownBy(() -> CriticConfig.micro().withLineWeightGrade(-0.5)).isInstanceOf(DualprocException.class).hasMessageContaining("--line-weight-grade");
    assertThatThrownBy(() -> CriticConfig.micro().withLineWeightGrade(5)).isInstanceOf(DualprocException.class).hasMessageContaining("[0, 4]");
  }
}
