package dev.dualproc.world.train;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import java.util.Locale;
import org.bytedeco.pytorch.*;
import static org.bytedeco.pytorch.global.torch.*;

/** Forward vs backward of plain linear layers at the transformer's sizes: is a 3x backward the model or the machine? Not a test. */
public final class MatmulBench {
  public static void main(String[] args) {
    Tensor w1 = Rng.normal(1, 768, 192).mul(new Scalar(0.05)).requires_grad_(true), w2 = Rng.normal(2, 192, 768).mul(new Scalar(0.05)).requires_grad_(true);
    double fwd = 0, bwd = 0;
    for (int r = 0; r < 6; r++) {
      double[] t = new double[2];
      StepScope.run(() -> {
        Tensor x = args.length > 0 ? Rng.normal(3, 32 * 88, 192) : Rng.normal(3, 32, 88, 192);
        long a = System.nanoTime();
        Tensor h = x;
        for (int i = 0; i < 12; i++) h = h.add(linear(args.length > 1 ? linear(h, w1) : gelu(linear(h, w1), "tanh"), w2));
        Tensor loss = h.square().mean();
        Tensors_item(loss);
        long b = System.nanoTime();
        loss.backward();
        long c = System.nanoTime();
        t[0] = (b - a) / 1e9; t[1] = (c - b) / 1e9;
      });
      if (r > 0) { fwd += t[0] / 5; bwd += t[1] / 5; }
    }
    System.out.printf(Locale.ROOT, "12 MLPs 192-768-192 on [32, 88]: fwd %.3f s, bwd %.3f s (%.1fx); fwd %.1f GFLOP/s%n", fwd, bwd, bwd / fwd,
        12 * 2 * 2.0 * 32 * 88 * 192 * 768 / fwd / 1e9);
  }

  private static double Tensors_item(Tensor t) { return dev.dualproc.engine.Tensors.item(t); }
}
