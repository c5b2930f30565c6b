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

  /** An object counts at its code's place only with its colour (and kind), within 4 px, and each found object once. */
  @Test void objectsAtTheCodesPlace() {
    var red = dev.dualproc.world.NamedColour.RED;
    var house = dev.dualproc.world.Kind.HOUSE;
    var want = java.util.List.of(new dev.dualproc.world.SceneObject(house, red, 20, 40, 1, 15, 30, 25, 40, 1f),
        new dev.dualproc.world.SceneObject(house, red, 22, 41, 1, 17, 31, 27, 41, 1f));
    var near = new dev.dualproc.eval.DetectedObject(house, red, 17, 30, 27, 43, java.util.List.of()); // centre 22, base 43
    var ball = new dev.dualproc.eval.DetectedObject(dev.dualproc.world.Kind.BALL, red, 16, 34, 24, 42, java.util.List.of());
    var far = new dev.dualproc.eval.DetectedObject(house, red, 40, 30, 50, 40, java.util.List.of());
    var blue = new dev.dualproc.eval.DetectedObject(house, dev.dualproc.world.NamedColour.BLUE, 15, 30, 25, 40, java.util.List.of());
    assertThat(GeneratorEval.CodePlaces.found(want, java.util.List.of(near), true)).isEqualTo(1);
    assertThat(GeneratorEval.CodePlaces.found(want, java.util.List.of(near, ball), true)).isEqualTo(1);
    assertThat(GeneratorEval.CodePlaces.found(want, java.util.List.of(near, ball), false)).isEqualTo(2);
    assertThat(GeneratorEval.CodePlaces.found(want, java.util.List.of(far, blue), false)).isZero();
  }

  /** Colour cover counts the coded object's own pixels (its colour inside its box) that the generated image paints alike. */
  @Test void colourCoverOfACodedObject() {
    var red = dev.dualproc.world.NamedColour.RED;
    var o = new dev.dualproc.world.SceneObject(dev.dualproc.world.Kind.HOUSE, red, 20, 40, 1, 10, 30, 30, 40, 1f);
    var coded = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
    var generated = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 30; y < 40; y++) for (int x = 10; x < 20; x++) coded.setRGB(x, y, red.rgb); // half the box is the object
    for (int y = 30; y < 40; y++) for (int x = 15; x < 30; x++) generated.setRGB(x, y, red.rgb ^ 0x050505); // overlaps half of it
    long[] cover = new long[2];
    GeneratorEval.CodePlaces.cover(o, coded, generated, cover);
    assertThat(cover).containsExactly(100, 50);
  }

  /** Judged against the coded scenes, every image's caption is its coded scene's, so all of them count in the code's row. */
  @Test void codedScenesAgreeWithTheirCaptions() {
    try (var fp = dev.dualproc.model.flux.FluxPipeline.open(dev.dualproc.world.BuiltinModels.generator(), dev.dualproc.engine.Placement.cpu(), 0, 0, 2)) {
      var plain = GeneratorEval.run(fp, 2_000_000, 3, null, false, false);
      var coded = GeneratorEval.run(fp, 2_000_000, 3, null, true, false);
      assertThat(GeneratorEval.run(fp, 2_000_000, 2, null, true, true).codePlaces().images()).isEqualTo(2);
      assertThat(coded.codePlaces().images()).isEqualTo(3);
      assertThat(plain.codePlaces().images()).isLessThan(3); // seed 2,000,001's coded scene has another caption
      assertThat(coded.renderedObjects()).isEqualTo(1.0);
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
