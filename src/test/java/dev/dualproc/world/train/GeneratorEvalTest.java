package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The eval's token-row figure, and its comparison of generated horizons with the noise's layout code. */
class GeneratorEvalTest {
  @Test void correlationOfPairs() {
    java.util.List<double[]> line = java.util.List.of(new double[] {1, 3}, new double[] {2, 5}, new double[] {4, 9});
    assertThat(GeneratorEval.correlation(line)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
    java.util.List<double[]> down = java.util.List.of(new double[] {1, 3}, new double[] {2, 1}, new double[] {4, -3});
    assertThat(GeneratorEval.correlation(down)).isCloseTo(-1.0, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(GeneratorEval.correlation(line.subList(0, 2))).isNaN();
  }

  /** The eval reads the code from the very noise the pipeline samples from. */
  @Test void theCodesHorizonIsTheOneOfThePipelinesNoise() {
    try (var fp = dev.dualproc.model.flux.FluxPipeline.open(dev.dualproc.world.BuiltinModels.generator(), dev.dualproc.engine.Placement.cpu(), 0, 0, 0)) {
      var noise = dev.dualproc.engine.Rng.normal(2_000_003, 1, 8, 16, 16);
      var code = dev.dualproc.world.LayoutCode.fromNoise(dev.dualproc.engine.Tensors.floats(noise), 8, 16, 16);
      assertThat(GeneratorEval.codeHorizonRow(fp, 2_000_003)).isEqualTo(64 * (0.2 + 0.6 * code.at(dev.dualproc.world.LayoutCode.HORIZON)));
    }
  }

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
