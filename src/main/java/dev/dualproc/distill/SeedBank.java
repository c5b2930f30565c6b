package dev.dualproc.distill;

import dev.dualproc.engine.Rng;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The training noises, as the reference draws them: one CPU generator seeded with train_seed gives noise 0, 1, 2, ...
 * in order, and step o uses noise o % n. Deterministic from the seed alone, so a resumed run draws the same noises.
 */
final class SeedBank {
  private final org.bytedeco.pytorch.Generator rng;
  private final int n;
  private final Tensor like; // shape, dtype and device of the generator's own noise
  private final List<Tensor> drawn = new ArrayList<>();

  SeedBank(long seed, int n, Tensor like) {
    this.rng = Rng.generator(seed);
    this.n = n;
    this.like = like;
    like.retainReference();
  }

  /** The noise of (0-based) step o, on the generator's device and dtype. */
  Tensor noise(int o) {
    int k = o % n;
    while (drawn.size() <= k) {
      Tensor t = Rng.normal(rng, dev.dualproc.engine.Tensors.shape(like)).to(like.device(), like.scalar_type());
      t.retainReference(); // the bank outlives each step's PointerScope
      drawn.add(t);
    }
    return drawn.get(k);
  }
}
