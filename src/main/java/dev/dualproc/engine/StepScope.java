package dev.dualproc.engine;

import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * One {@link PointerScope} per step (notes/libtorch-java.md, gotcha 4): every native object a step creates is freed
 * when it ends instead of whenever the GC runs. A tensor the step returns is kept through a handle made outside the
 * scope (it shares the storage; only the Java wrappers inside are freed).
 */
public final class StepScope {
  private StepScope() {}

  public static void run(Runnable step) {
    try (PointerScope scope = new PointerScope()) {
      step.run();
    }
  }

  /** Runs the step and returns its tensor, alive after the scope (owned by the caller's scope, if any). */
  public static Tensor compute(Supplier<Tensor> step) {
    Tensor kept = new Tensor(); // created before the inner scope opens, so it does not belong to it
    try (PointerScope scope = new PointerScope()) {
      Tensor t = step.get();
      if (t != null) kept.put(t); // a second handle to the same TensorImpl (operator=, not a copy)
    }
    return kept;
  }

  /** Runs the step and returns its scalar result (a loss, a norm) as a double. */
  public static double value(Supplier<Tensor> step) {
    try (PointerScope scope = new PointerScope()) {
      return Tensors.item(step.get());
    }
  }
}
