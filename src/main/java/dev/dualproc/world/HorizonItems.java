package dev.dualproc.world;

import dev.dualproc.eval.HorizonVerifier;

/**
 * How the horizon family's critic items place the red line, in pixels at 64.
 *
 * <p>Hard items (grade 0, the original stream): a Yes line lies on the horizon and a No line at least {@code nearMiss}
 * px from it; a critic says yes to anything inside its nearest No, so teaching through it stops there.
 *
 * <p>Graded items (grade &gt; 0): the line lies anywhere, Yes within the verifier's tolerance and No beyond it, and the
 * answer is soft: p(Yes) = sigmoid((tolerance - |d|) / grade) at distance d. A critic trained on them keeps a log p that
 * still falls with the distance far from the line, so the answer loss of teaching pulls a distant horizon in, and it
 * is highest on the line itself instead of flat over a yes band.
 */
public record HorizonItems(double nearMiss, double grade) {
  public static final HorizonItems DEFAULT = new HorizonItems(VqaQuestions.HORIZON_NEAR_MISS, 0);

  /** Where graded items split Yes from No: the horizon verifier's tolerance. */
  public static final double TOLERANCE = HorizonVerifier.TOLERANCE_AT_64;

  public HorizonItems {
    if (!(nearMiss > 0 && nearMiss < 10)) throw new IllegalArgumentException("horizon near miss must be in (0, 10) px, got " + nearMiss);
    if (!(grade >= 0 && grade <= 10)) throw new IllegalArgumentException("horizon grade must be in [0, 10] px, got " + grade);
  }

  public boolean graded() { return grade > 0; }

  /** The soft answer of a graded item whose line is {@code distance} px (at 64) from the horizon. */
  public double yesProbability(double distance) {
    return 1 / (1 + Math.exp((Math.abs(distance) - TOLERANCE) / grade));
  }
}
