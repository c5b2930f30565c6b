package dev.dualproc.world.train;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.model.flux.AutoEncoder;
import dev.dualproc.world.SceneRenderer;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

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

    /**
     * The batch's sources and times: {x0 with the blobbed items' rows replaced by the latents of their blobbed scenes,
     * t with their times}; x0 and t themselves when no item is blobbed. With {@code kindChannels}, a blobbed row keeps
     * x0's kind channels (the real scene's map): the blob's shape must then come from the kinds and the kind word.
     */
    Tensor[] apply(Tensor x0, Tensor t, List<SceneRenderer.Rendered> scenes, AutoEncoder ae, Placement placement, int kindChannels) {
      if (count() == 0) return new Tensor[] {x0, t};
      float[] times = Tensors.floats(t);
      TensorVector parts = new TensorVector();
      for (int i = 0; i < blobbed.length; i++) {
        if (!blobbed[i]) continue;
        times[i] = this.times[i];
        parts.push_back(Images.toTensor(Scrambles.allBlobbed(scenes.get(i).image(), scenes.get(i).truth(), RADIUS)));
      }
      Tensor latents;
      try (NoGradGuard ng = new NoGradGuard()) { latents = ae.encode(placement.place(cat(parts, 0))); }
      TensorVector rows = new TensorVector();
      long image = x0.size(1) - kindChannels;
      for (int i = 0, k = 0; i < blobbed.length; i++) {
        if (!blobbed[i]) { rows.push_back(x0.narrow(0, i, 1)); continue; }
        Tensor blob = latents.narrow(0, k++, 1);
        rows.push_back(kindChannels == 0 ? blob : cat(new TensorVector(blob.narrow(1, 0, image), x0.narrow(0, i, 1).narrow(1, image, kindChannels)), 1));
      }
      return new Tensor[] {cat(rows, 0), placement.place(Tensors.fromFloats(times, blobbed.length))};
    }
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
