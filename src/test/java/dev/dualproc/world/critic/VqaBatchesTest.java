package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.VqaItem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training streams: a subset of families stays balanced; held-out streams cannot be trained on. */
class VqaBatchesTest {
  @Test void someFamiliesOnlyStayBalanced() {
    List<VqaItem> items = VqaBatches.items(3, 0, 40, List.of("time-of-day", "horizon"));
    assertThat(items).extracting(VqaItem::task).containsOnly("time-of-day", "horizon");
    for (String t : List.of("time-of-day", "horizon")) {
      List<VqaItem> of = items.stream().filter(i -> i.task().equals(t)).toList();
      assertThat(of).hasSize(20);
      assertThat(of.stream().filter(VqaItem::yes).count()).as(t).isEqualTo(10);
    }
    // all families: the generator's own stream, item for item
    assertThat(VqaBatches.items(3, 5, 4, dev.dualproc.world.VqaGenerator.TASKS)).extracting(VqaItem::question)
        .isEqualTo(VqaBatches.items(3, 5, 4).stream().map(VqaItem::question).toList());
  }

  /** A family named three times is drawn three times as often, from its own stream items, none twice. */
  @Test void aFamilyNamedTwiceMoreIsDrawnThriceAsOften() {
    List<VqaItem> items = VqaBatches.items(3, 0, 40, List.of("time-of-day", "horizon", "horizon", "horizon"));
    List<VqaItem> horizon = items.stream().filter(i -> i.task().equals("horizon")).toList();
    assertThat(horizon).hasSize(30);
    assertThat(horizon.stream().filter(VqaItem::yes).count()).isEqualTo(15);
    assertThat(horizon).extracting(VqaItem::sceneSeed)
        .containsExactlyInAnyOrderElementsOf(VqaBatches.items(3, 0, 30, List.of("horizon")).stream().map(VqaItem::sceneSeed).toList());
    assertThat(items.stream().filter(i -> i.task().equals("time-of-day")).map(VqaItem::sceneSeed).toList())
        .isEqualTo(VqaBatches.items(3, 0, 10, List.of("time-of-day")).stream().map(VqaItem::sceneSeed).toList());
    // nine names that are not the nine families do not take the whole stream
    List<String> nine = new java.util.ArrayList<>(dev.dualproc.world.VqaGenerator.TASKS);
    nine.set(0, "left-right");
    assertThat(VqaBatches.items(3, 0, 18, nine)).extracting(VqaItem::task).doesNotContain("objects");
  }

  @Test void heldOutStreamsAreRefused() {
    assertThatThrownBy(() -> VqaBatches.checkTrainingSeed(VqaBatches.EVAL_STREAM)).isInstanceOf(DualprocException.class);
    assertThatThrownBy(() -> VqaBatches.checkTrainingSeed(VqaBatches.VALIDATION_STREAM)).isInstanceOf(DualprocException.class);
    assertThat(VqaBatches.checkTrainingSeed(0)).isZero();
  }
}
