package dev.dualproc.world;

import dev.dualproc.eval.HorizonVerifier;

/**
 * How a critic's training items are made where a family has more than one recipe: the ordinal overlay families
 * (horizon, line weight), in pixels at 64, and the left-right family's one-object questions.
 *
 * <p>Hard items (grade 0, the original stream): a horizon Yes line lies on the horizon and a No line at least
 * {@code horizonNearMiss} px from it; a line-weight Yes bar is as thick as the strokes and a No bar is not. Both are
 * trained on hard answers, which any confident No satisfies: a critic says yes to anything inside its nearest No and its
 * log p(Yes) is flat beyond it, so teaching through it has no slope to follow from far away.
 *
 * <p>Graded items (grade &gt; 0): the answer is soft, p(Yes) = sigmoid((tolerance - |d|) / grade) at a distance d from
 * the truth, so a critic's log p keeps falling with the distance and the answer loss of teaching pulls from afar. The
 * horizon's line then lies anywhere, Yes within the verifier's 3 px and No beyond; the line weight's bar keeps its whole
 * pixels 1-4, Yes on the stroke weight and No off it, with the tolerance half a pixel, and half of the drawn No items
 * have strokes of 5-6 px, thicker than any bar (VqaGenerator), which an overshooting LoRA draws.
 *
 * <p>Side items ({@code leftRightSides} &gt; 0): that share of the left-right items asks which side of the image one
 * object is on ("Is the red house on the left side of the image?") instead of comparing two. The comparison's answer
 * flips with both the objects' order and the question's wording, so no part of it pays until the whole chain (find
 * both, read their columns, compare, read the wording) works; a side question rewards each link alone. Held-out
 * streams keep the comparison only.
 */
public record ItemRecipe(double horizonNearMiss, double horizonGrade, double lineWeightGrade, double leftRightSides) {
  public static final ItemRecipe DEFAULT = new ItemRecipe(VqaQuestions.HORIZON_NEAR_MISS, 0, 0, 0);

  /** A recipe with the comparison-only left-right family. */
  public ItemRecipe(double horizonNearMiss, double horizonGrade, double lineWeightGrade) {
    this(horizonNearMiss, horizonGrade, lineWeightGrade, 0);
  }

  /** Where graded horizon items split Yes from No: the horizon verifier's tolerance. */
  public static final double HORIZON_TOLERANCE = HorizonVerifier.TOLERANCE_AT_64;

  /** Where graded line-weight items split Yes from No: weights are whole pixels, and the verifier wants the exact one. */
  public static final double LINE_WEIGHT_TOLERANCE = 0.5;

  public ItemRecipe {
    if (!(horizonNearMiss > 0 && horizonNearMiss < 10)) throw new IllegalArgumentException("horizon near miss must be in (0, 10) px, got " + horizonNearMiss);
    if (!(horizonGrade >= 0 && horizonGrade <= 10)) throw new IllegalArgumentException("horizon grade must be in [0, 10] px, got " + horizonGrade);
    if (!(lineWeightGrade >= 0 && lineWeightGrade <= 4)) throw new IllegalArgumentException("line-weight grade must be in [0, 4] px, got " + lineWeightGrade);
    if (!(leftRightSides >= 0 && leftRightSides <= 1)) throw new IllegalArgumentException("left-right sides must be a share in [0, 1], got " + leftRightSides);
  }

  public boolean horizonGraded() { return horizonGrade > 0; }

  public boolean lineWeightGraded() { return lineWeightGrade > 0; }

  /** The soft answer of a graded horizon item whose line is {@code distance} px (at 64) from the horizon. */
  public double horizonYes(double distance) { return soft(distance, HORIZON_TOLERANCE, horizonGrade); }

  /** The soft answer of a graded line-weight item whose bar is {@code difference} px (at 64) off the stroke weight. */
  public double lineWeightYes(double difference) { return soft(difference, LINE_WEIGHT_TOLERANCE, lineWeightGrade); }

  private static double soft(double d, double tolerance, double grade) { return 1 / (1 + Math.exp((Math.abs(d) - tolerance) / grade)); }
}
