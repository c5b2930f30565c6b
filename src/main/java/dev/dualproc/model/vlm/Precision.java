package dev.dualproc.model.vlm;

import org.bytedeco.pytorch.global.torch.ScalarType;

/** Where transformers upcasts to float32 (norms, softmax, RoPE tables), float64 inputs stay float64. */
final class Precision {
  private Precision() {}

  static ScalarType upcast(ScalarType t) {
    ScalarType s = t.intern();
    return s == ScalarType.Double ? ScalarType.Double : ScalarType.Float;
  }
}
