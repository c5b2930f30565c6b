package dev.dualproc.world.train;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;

/**
 * --blob-fraction: a share of each flow batch is noised not from its scene but from the same scene with every object
 * painted over as a blob of its colour (Scrambles.allBlobbed), at a time in [{@link #T_MIN}, {@link #T_MIN} +
 * {@link #T_SPAN}], and the transformer is asked for the velocity that leads to the real scene. Why: at those times
 * of a generation the objects are still blobs, in the right places and colours, and their shapes must come from the
 * caption's kind words; on real noised scenes the shape is in the input, so a generator trained only on them learns
 * to read the shape there and ignores the kind word (world eval generator --kind-swap: ratio 0.15).
 */
final class Blobs {
  static final double T_MIN = 0.25, T_SPAN = 0.5;
  /** A blob's radii as a share of its object's box (0.5: the inscribed ellipse). */
  static final double RADIUS = 0.55;

  /** Which items of a batch are blobbed and their times (NaN for the others). */
  record Plan(boolean[] blobbed, float[] times) {
    int count() { int n = 0; for (boolean x : blobbed) if (x) n++; return n; }
  }

  /** From its own generator, so the step's noise and times of the other items stay those of a plain run. */
  static Plan plan(long generatorSeed, int batch, double fraction) {
    var g = Rng.generator(generatorSeed);
    float[] pick = Tensors.floats(Rng.uniform(g, batch)), u = Tensors.floats(Rng.uniform(g, batch));
    boolean[] on = new boolean[batch];
    float[] t = new float[batch];
    for (int i = 0; i < batch; i++) {
      on[i] = pick[i] < fraction;
      t[i] = on[i] ? (float) (T_MIN + T_SPAN * u[i]) : Float.NaN;
    }
    return new Plan(on, t);
  }
}
