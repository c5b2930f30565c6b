package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RidgeProbeTest {
  /** Samples of 8 noise features; the label is the sign of feature 3 when {@code readable}, else a coin. */
  private static void samples(int n, boolean readable, long seed, List<float[]> x, List<Boolean> y) {
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      float[] v = new float[8];
      for (int j = 0; j < 8; j++) v[j] = (float) (r.nextDouble() * 2 - 1);
      x.add(v);
      y.add(readable ? v[3] + 0.05 * (r.nextDouble() - 0.5) > 0 : r.nextBoolean());
    }
  }

  @Test void readsALinearFactAndNothingFromNoise() {
    List<float[]> x = new ArrayList<>(), tx = new ArrayList<>(), nx = new ArrayList<>(), ntx = new ArrayList<>();
    List<Boolean> y = new ArrayList<>(), ty = new ArrayList<>(), ny = new ArrayList<>(), nty = new ArrayList<>();
    samples(2000, true, 1, x, y);
    samples(500, true, 2, tx, ty);
    assertThat(RidgeProbe.fit(x, y, 1e-2).accuracy(tx, ty)).isGreaterThan(0.95);
    samples(2000, false, 3, nx, ny);
    samples(2000, false, 4, ntx, nty);
    assertThat(RidgeProbe.fit(nx, ny, 1e-2).accuracy(ntx, nty)).isBetween(0.45, 0.55);
  }
}
