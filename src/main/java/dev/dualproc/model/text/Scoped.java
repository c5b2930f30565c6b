package dev.dualproc.model.text;

import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Runs one layer in its own PointerScope so its temporaries are freed at once, not when the GC gets round to it. */
final class Scoped {
  private Scoped() {}

  /** The result survives the scope; it joins the caller's scope when there is one (else the GC frees it). */
  static Tensor run(Supplier<Tensor> layer) {
    Tensor out;
    try (PointerScope s = new PointerScope()) {
      out = layer.get();
      out.retainReference();
    }
    PointerScope outer = PointerScope.getInnerScope();
    if (outer != null) {
      outer.attach(out);
      out.releaseReference();
    }
    return out;
  }
}
