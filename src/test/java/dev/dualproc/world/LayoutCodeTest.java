package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LayoutCodeTest {

  static LayoutCode random(SplittableRandom r) {
    double[] u = new double[LayoutCode.SLOTS];
    for (int k = 0; k < u.length; k++) u[k] = r.nextDouble();
    return new LayoutCode(u);
  }

  @Test void slotKIsTheCdfOfPackedFeatureKsScaledMean() {
    int c = 8, h = 16, w = 16;
    float[] noise = new float[c * h * w];
    for (int y = 0; y < h; y += 2)
      for (int x = 1; x < w; x += 2) noise[(1 * h + y) * w + x] = 0.25f; // channel 1, sub-row 0, sub-column 1: feature 5
    LayoutCode code = LayoutCode.fromNoise(noise, c, h, w);
    assertThat(code.u()).hasSize(32);
    assertThat(code.at(5)).isCloseTo(LayoutCode.normalCdf(0.25 * 64 / 8), within(1e-12)); // 64 tokens
    for (int k = 0; k < 32; k++) if (k != 5) assertThat(code.at(k)).as("slot %d", k).isCloseTo(0.5, within(1e-7));
    assertThat(LayoutCode.normalCdf(1.96)).isCloseTo(0.9750021, within(1e-6));
    assertThat(LayoutCode.normalCdf(-1)).isCloseTo(0.1586553, within(1e-6));
  }

  @Test void gaussianNoiseGivesUniformSlots() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 2000, below = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float[] noise = new float[4 * 8 * 8];
      for (int j = 0; j < noise.length; j++) noise[j] = (float) gaussian(r);
      double v = LayoutCode.fromNoise(noise, 4, 8, 8).at(LayoutCode.HORIZON);
      sum += v;
      if (v < 0.25) below++;
    }
    assertThat(sum / n).isCloseTo(0.5, within(0.02));
    assertThat(below / (double) n).isCloseTo(0.25, within(0.03));
  }

  @Test void theCodeChoosesTheLayoutAndTheSeedTheRest() {
    SplittableRandom r = new SplittableRandom(5);
    int objects = 0, placedByCode = 0;
    for (int s = 0; s < 300; s++) {
      LayoutCode code = random(r);
      SceneTruth coded = SceneRenderer.render(s, 64, 64, SceneRenderer.Options.coded(code)).truth();
      SceneTruth plain = SceneRenderer.render(s, 64, 64).truth();
      SceneTruth other = SceneRenderer.render(s + 1000, 64, 64, SceneRenderer.Options.coded(code)).truth();
      assertThat(coded.horizonRow()).isEqualTo(64 * (0.2 + 0.6 * code.at(LayoutCode.HORIZON)));
      assertThat(other.horizonRow()).isEqualTo(coded.horizonRow());
      // what captions say still comes from the seed
      assertThat(coded.timeOfDay()).isEqualTo(plain.timeOfDay());
      assertThat(coded.style()).isEqualTo(plain.style());
      if (coded.style() == Style.DRAWING) assertThat(coded.strokeWeight()).isEqualTo(1 + code.index(LayoutCode.STROKE, 4));
      double top = coded.horizonRow() + 2;
      for (SceneObject o : coded.objects()) {
        objects++;
        for (int j = 0; j < LayoutCode.OBJECTS; j++)
          if (o.baseRow() == top + code.at(LayoutCode.OBJECT_BASE + 2 * j) * (64 - top)) { placedByCode++; break; }
      }
    }
    // measured 80.6% over 4,000 scenes; the rest failed every try at the code's place and were placed at random
    assertThat(placedByCode / (double) objects).isGreaterThan(0.75);
  }

  @Test void objectsTakeTheColumnUniformsInAscendingOrder() {
    double[] u = new double[LayoutCode.SLOTS];
    u[LayoutCode.OBJECT_X] = 0.9;
    u[LayoutCode.OBJECT_X + 2] = 0.1;
    u[LayoutCode.OBJECT_X + 4] = 0.5;
    LayoutCode code = new LayoutCode(u);
    assertThat(new double[] {code.objectX(0, 3), code.objectX(1, 3), code.objectX(2, 3)}).containsExactly(0.1, 0.5, 0.9);
    assertThat(code.objectX(0, 2)).isEqualTo(0.1);
    assertThat(code.index(LayoutCode.OBJECT_X, 4)).isEqualTo(3);
  }

  @Test void rejectsCodesOutsideTheUnitInterval() {
    assertThatThrownBy(() -> new LayoutCode(new double[3])).hasMessageContaining("needs 13 uniforms");
    double[] u = new double[LayoutCode.SLOTS];
    u[2] = 1.0;
    assertThatThrownBy(() -> new LayoutCode(u)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> LayoutCode.fromNoise(new float[12], 3, 2, 2)).hasMessageContaining("the layout code needs 13");
    assertThatThrownBy(() -> LayoutCode.fromNoise(new float[10], 4, 3, 3)).hasMessageContaining("even sides");
  }

  /** Object j's token scores are packed feature 13 + 3j of each token, its places inside them the CDF of the next two. */
  @Test void tokenPlacesReadEachTokensOwnFeatures() {
    int c = 8, h = 16, w = 16;
    float[] noise = new float[c * h * w];
    // token (row 2, column 5) = latent cells (4..5, 10..11); feature 16 = object 1's score: channel 4, sub-row 0, sub-column 0
    noise[(4 * h + 4) * w + 10] = 3f;
    noise[(4 * h + 4) * w + 11] = 1f; // feature 17: object 1's place across, sub-column 1
    LayoutCode code = LayoutCode.fromNoise(noise, c, h, w, true);
    LayoutCode.TokenPlaces p = code.places();
    assertThat(p.rows()).isEqualTo(8);
    assertThat(p.order(1)[0]).isEqualTo(2 * 8 + 5);
    assertThat(p.score()[1][2 * 8 + 5]).isEqualTo(3.0);
    assertThat(p.across()[1][2 * 8 + 5]).isCloseTo(LayoutCode.normalCdf(1), within(1e-7));
    assertThat(p.down()[1][2 * 8 + 5]).isCloseTo(0.5, within(1e-7));
    assertThat(LayoutCode.fromNoise(noise, c, h, w).places()).isNull();
    assertThat(LayoutCode.fromNoise(noise, c, h, w, true).u()).containsExactly(LayoutCode.fromNoise(noise, c, h, w).u()); // the global slots are the same
    assertThatThrownBy(() -> LayoutCode.fromNoise(new float[4 * 8 * 8], 4, 8, 8, true)).hasMessageContaining("local object codes need 22");
  }

  /** With token places, most objects stand on their best-scoring token below the horizon, the place inside it from the code. */
  @Test void objectsStandOnTheirBestScoringTokens() {
    SplittableRandom r = new SplittableRandom(7);
    int objects = 0, onBest = 0;
    for (int s = 0; s < 300; s++) {
      float[] noise = new float[8 * 16 * 16];
      for (int i = 0; i < noise.length; i++) noise[i] = (float) gaussian(r);
      LayoutCode code = LayoutCode.fromNoise(noise, 8, 16, 16, true);
      SceneTruth t = SceneRenderer.render(s, 64, 64, SceneRenderer.Options.coded(code)).truth();
      LayoutCode.TokenPlaces p = code.places();
      double top = t.horizonRow() + 2;
      for (SceneObject o : t.objects()) {
        objects++;
        for (int j = 0; j < LayoutCode.OBJECTS; j++) {
          double[] down = p.down()[j];
          int best = java.util.Arrays.stream(p.order(j)).filter(k -> (k / 8 + down[k]) * 8 >= top).findFirst().orElse(-1);
          if (best >= 0 && o.baseRow() == (best / 8 + down[best]) * 8) { onBest++; break; }
        }
      }
    }
    // measured 79.7% over 4,000 scenes (93.7% on one of the three best); the rest failed 4 tries of kind and colour there
    assertThat(onBest / (double) objects).isGreaterThan(0.72);
  }

  static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
