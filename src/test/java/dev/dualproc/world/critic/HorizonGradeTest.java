package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graded horizon items: where their lines go, their soft answers, and the soft loss the trainer puts on them. */
class HorizonGradeTest {
  @TempDir Path dir;
  private static final int HORIZON = VqaGenerator.TASKS.indexOf("horizon");
  private static final ItemRecipe GRADED = new ItemRecipe(4, 1.5, 0);

  private static double distance(VqaItem it) {
    return Math.abs(((Number) it.overlayParams().get("value")).doubleValue() * 64 - it.truth().horizonRow());
  }

  @Test void yesLinesLieWithinTheToleranceNoLinesBeyondItAndTheAnswerFallsWithTheDistance() {
    int soft = 0, nearNo = 0;
    for (int k = 0; k < 120; k++) {
      VqaItem it = VqaGenerator.item(5, (long) k * VqaGenerator.TASKS.size() + HORIZON, 64, GRADED);
      double d = distance(it);
      if (it.yes()) assertThat(d).as("a Yes line").isLessThanOrEqualTo(ItemRecipe.HORIZON_TOLERANCE + 1e-2);
      else assertThat(d).as("a No line").isGreaterThanOrEqualTo(ItemRecipe.HORIZON_TOLERANCE - 1e-2);
      if (!it.yes() && d < 10) nearNo++;
      if (it.hacked()) { assertThat(it.target()).as("a painted band is a hard No").isZero(); continue; }
      assertThat(it.target()).as("soft answer at %.2f px", d).isCloseTo(GRADED.horizonYes(d), offset(2e-3));
      assertThat(it.target() >= 0.5).isEqualTo(it.yes());
      if (it.soft()) soft++;
    }
    assertThat(soft).isGreaterThan(80);
    assertThat(nearNo).as("No lines between 3 and 10 px").isGreaterThan(10);
    assertThat(GRADED.horizonYes(0)).isGreaterThan(GRADED.horizonYes(2)).isGreaterThan(0.5);
    assertThat(GRADED.horizonYes(3)).isCloseTo(0.5, offset(1e-12));
    // log p keeps falling far from the line: the gradient that pulls a distant horizon in
    assertThat(Math.log(GRADED.horizonYes(10)) - Math.log(GRADED.horizonYes(20))).isGreaterThan(6);
  }

  @Test void hardItemsAreTheDefaultAndOtherFamiliesNeverSoft() {
    for (long i = 0; i < 90; i++) {
      VqaItem hard = VqaGenerator.item(7, i, 64);
      assertThat(hard.soft()).isFalse();
      assertThat(hard.target()).isEqualTo(hard.yes() ? 1.0 : 0.0);
      if (i % VqaGenerator.TASKS.size() == HORIZON) continue;
      VqaItem same = VqaGenerator.item(7, i, 64, GRADED);
      assertThat(List.of(same.sceneSeed(), same.question(), same.yes(), same.target(), String.valueOf(same.overlayParams())))
          .isEqualTo(List.of(hard.sceneSeed(), hard.question(), hard.yes(), hard.target(), String.valueOf(hard.overlayParams())));
    }
    assertThat(CriticConfig.micro().itemRecipe()).isEqualTo(ItemRecipe.DEFAULT);
    assertThat(CriticConfig.micro().withHorizonGrade(1.5).itemRecipe()).isEqualTo(new ItemRecipe(4, 1.5, 0));
    assertThatThrownBy(() -> CriticConfig.micro().withHorizonGrade(-1)).isInstanceOf(DualprocException.class).hasMessageContaining("--horizon-grade");
  }

  @Test void theSoftLossIsTheMixOfTheYesAndNoLossesAndTrainingTakesIt() {
    List<VqaItem> items = new ArrayList<>();
    for (int k = 0; items.size() < 4; k++) {
      VqaItem it = VqaGenerator.item(9, (long) k * VqaGenerator.TASKS.size() + HORIZON, 64, GRADED);
      if (it.soft()) items.add(it);
    }
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("state"), CriticConfig.micro().withHorizonGrade(1.5), 3, Placement.cpu());
         NoGradGuard g = new NoGradGuard()) {
      IdeficsCritic c = t.critic();
      List<Tensor> images = new ArrayList<>();
      List<PreparedQuestion> asked = new ArrayList<>(), yes = new ArrayList<>(), no = new ArrayList<>();
      double[] soft = new double[items.size()];
      for (int i = 0; i < items.size(); i++) {
        VqaItem it = items.get(i);
        images.add(Images.toTensor(it.image()));
        asked.add(c.prepare(it.question(), it.answer()));
        yes.add(c.prepare(it.question(), "Yes"));
        no.add(c.prepare(it.question(), "No"));
        soft[i] = it.target();
      }
      AnswerBatch s = AnswerBatch.of(c, c.model.imageFeatures(AnswerBatch.pixelValues(c, images)), asked, soft);
      AnswerBatch y = AnswerBatch.of(c, images, yes), n = AnswerBatch.of(c, images, no);
      double mean = 0;
      for (int i = 0; i < items.size(); i++) {
        double want = soft[i] * y.itemLoss()[i] + (1 - soft[i]) * n.itemLoss()[i];
        assertThat(s.itemLoss()[i]).as("item %d, p(Yes) %.3f", i, soft[i]).isCloseTo(want, offset(1e-4));
        mean += want / items.size();
      }
      assertThat(Tensors.item(s.answerLoss())).isCloseTo(mean, offset(1e-4));
    }
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("train"), CriticConfig.micro().withHorizonGrade(1.5).withTasks(List.of("horizon")), 3, Placement.cpu())) {
      for (int i = 0; i < 2; i++) assertThat(t.trainStep().loss()).isFinite().isPositive();
    }
  }
}
