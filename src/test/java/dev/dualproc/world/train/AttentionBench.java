package dev.dualproc.world.train;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import java.util.Locale;
import org.bytedeco.pytorch.*;
import static org.bytedeco.pytorch.global.torch.*;

/** SDPA against plain softmax attention, forward + backward, at the generator's shapes. Not a test. */
public final class AttentionBench {
  public static void main(String[] args) {
    long[] s = {32, 3, 88, 64};
    for (int mode = 0; mode < 2; mode++) {
      double total = 0;
      for (int r = 0; r < 6; r++) {
        final int m = mode;
        long t0 = System.nanoTime();
        StepScope.run(() -> {
          Tensor q = Rng.normal(1, s).requires_grad_(true), k = Rng.normal(2, s).requires_grad_(true), v = Rng.normal(3, s).requires_grad_(true);
          Tensor o;
          if (m == 0) o = scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
          else o = softmax(q.matmul(k.transpose(2, 3)).mul(new Scalar(1 / 8.0)), -1).matmul(v);
          o.square().sum().backward();
        });
        if (r > 0) total += (System.nanoTime() - t0) / 1e9 / 5;
      }
      System.out.printf(Locale.ROOT, "%s: %.4f s fwd+bwd%n", mode == 0 ? "sdpa" : "math", total);
    }
  }
}
