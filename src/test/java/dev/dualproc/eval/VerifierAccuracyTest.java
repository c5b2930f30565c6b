package dev.dualproc.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bar on a small sample of test seeds (60,000+): >= 95% per verifier, validity >= 95% / <= 5%. */
class VerifierAccuracyTest {
  @Test void everyVerifierMeetsTheBar() {
    VerifierAccuracy.Report r = VerifierAccuracy.run(60_000, 150, 64);
    System.out.print(VerifierAccuracy.table(r));
    for (VerifierAccuracy.Score s : r.scores().values()) {
      if (s.name.startsWith("robustness")) continue; // measured and documented, not part of the bar
      assertThat(s.posTotal + s.negTotal).as(s.name).isPositive();
      assertThat(s.accuracy()).as("%s: %s", s.name, r.failures()).isGreaterThanOrEqualTo(0.95);
    }
  }
}
