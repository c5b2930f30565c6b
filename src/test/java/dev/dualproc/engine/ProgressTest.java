package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
  static final class FakeClock { long nanos; void advanceSeconds(double s) { nanos += (long) (s * 1e9); } }

  @Test void plainLinesCarryStepRateEtaAndSuffix() {
    FakeClock clock = new FakeClock();
    List<String> lines = new ArrayList<>();
    try (Progress p = Progress.plain("teach", 200, 0, Duration.ofSeconds(10), lines::add, () -> clock.nanos)) {
      for (int i = 1; i <= 40; i++) {
        clock.advanceSeconds(0.5); // 2 steps per second
        p.step("loss " + (i <= 20 ? "0.42" : "0.10") + " p 0.61");
      }
      assertThat(p.done()).isEqualTo(40);
      assertThat(p.rate()).isEqualTo(2.0);
    }
    // a line every 10 s (steps 20 and 40), then the closing line with the total time
    assertThat(lines).containsExactly(
        "teach 20/200 (10%) 2.00 it/s ETA 1m30s loss 0.42 p 0.61",
        "teach 40/200 (20%) 2.00 it/s ETA 1m20s loss 0.10 p 0.61",
        "teach 40/200 (20%) 2.00 it/s ETA 1m20s loss 0.10 p 0.61 in 20s");
  }

  @Test void resumedProgressCountsOnlyNewStepsForTheRate() {
    FakeClock clock = new FakeClock();
    List<String> lines = new ArrayList<>();
    Progress p = Progress.plain("teach", 100, 90, Duration.ofSeconds(1), lines::add, () -> clock.nanos);
    clock.advanceSeconds(4);
    p.stepBy(10, null);
    p.close();
    assertThat(lines).containsExactly("teach 100/100 (100%) 2.50 it/s", "teach 100/100 (100%) 2.50 it/s in 4s");
  }

  @Test void durationsReadLikeAClock() {
    assertThat(Progress.duration(59.4)).isEqualTo("59s");
    assertThat(Progress.duration(61)).isEqualTo("1m01s");
    assertThat(Progress.duration(3 * 3600 + 125)).isEqualTo("3h02m");
  }
}
