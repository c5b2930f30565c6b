package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import dev.dualproc.world.VqaQuestions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The horizon's nearest No as a training setting: where the lines go, and old run states reading as 4 px. */
class HorizonNearMissTest {
  private static final int HORIZON = VqaGenerator.TASKS.indexOf("horizon");

  /** Distances (px at 64) between the line and the horizon over the first {@code n} horizon No items. */
  private static List<Double> noDistances(double nearMiss, int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(k -> {
      long index = (2L * k + 1) * VqaGenerator.TASKS.size() + HORIZON; // (index div 9) odd: a No item
      VqaItem it = VqaGenerator.item(5, index, 64, new ItemRecipe(nearMiss, 0, 0));
      assertThat(it.yes()).isFalse();
      return Math.abs(((Number) it.overlayParams().get("value")).doubleValue() * 64 - it.truth().horizonRow());
    }).toList();
  }

  @Test void theDefaultKeepsItsItemsAndItsNearMissesFromFourPixels() {
    for (long i = 0; i < 60; i++) {
      VqaItem a = VqaGenerator.item(5, i, 64), b = VqaGenerator.item(5, i, 64, new ItemRecipe(VqaQuestions.HORIZON_NEAR_MISS, 0, 0));
      assertThat(b.question()).isEqualTo(a.question());
      assertThat(b.overlayParams()).isEqualTo(a.overlayParams());
      assertThat(b.sceneSeed()).isEqualTo(a.sceneSeed());
    }
    assertThat(noDistances(4, 120)).allSatisfy(d -> assertThat(d).isGreaterThanOrEqualTo(4 - 0.01));
  }

  @Test void twoPixelsBringsTheNearestNoInsideTheVerifiersTolerance() {
    List<Double> d = noDistances(2, 120);
    assertThat(d).allSatisfy(x -> assertThat(x).isGreaterThanOrEqualTo(2 - 0.01));
    assertThat(d).anySatisfy(x -> assertThat(x).isLessThan(3));
  }

  @Test void configsWrittenBeforeTheSettingReadAsFourPixelsAndBadValuesAreRefused() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode old = json.valueToTree(CriticConfig.tiny4w());
    assertThat(old.get("horizonNearMiss").asDouble()).isEqualTo(4.0);
    old.remove("horizonNearMiss");
    assertThat(json.treeToValue(old, CriticConfig.class)).isEqualTo(CriticConfig.tiny4w());
    CriticConfig two = CriticConfig.tiny4w().withHorizonNearMiss(2).withLr(5e-4);
    assertThat(two.horizonNearMiss()).as("with-methods keep it").isEqualTo(2.0);
    assertThat(json.treeToValue(json.valueToTree(two), CriticConfig.class)).isEqualTo(two);
    assertThatThrownBy(() -> CriticConfig.tiny4w().withHorizonNearMiss(12)).isInstanceOf(DualprocException.class).hasMessageContaining("--horizon-near-miss");
  }
}
