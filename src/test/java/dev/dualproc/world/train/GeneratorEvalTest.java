package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The eval's token-row figure: which horizon rows lie inside a token rather than near its edges. */
class GeneratorEvalTest {
  @Test void theMiddleOfAnEightPixelTokenIsItsRowsThreeToFive() {
    assertThat(GeneratorEval.Report.midRows(8)).isEqualTo(3);
    assertThat(GeneratorEval.Report.midToken(19.5, 8)).isTrue(); // row 19 = offset 3 in the token at 16
    assertThat(GeneratorEval.Report.midToken(21.0, 8)).isTrue();
    assertThat(GeneratorEval.Report.midToken(16.0, 8)).isFalse();
    assertThat(GeneratorEval.Report.midToken(22.0, 8)).isFalse();
    assertThat(GeneratorEval.Report.midToken(23.5, 8)).isFalse();
    assertThat(GeneratorEval.Report.midRows(4)).isEqualTo(1); // offset 2 only
  }
}
