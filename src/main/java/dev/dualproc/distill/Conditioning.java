package dev.dualproc.distill;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** A prompt encoded once by a generator's text encoders (no grad); the tensors are generator-specific, by name. */
public record Conditioning(String prompt, Map<String, Tensor> tensors) {
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) throw new IllegalStateException("conditioning for '" + prompt + "' has no '" + name + "'");
    return t;
  }
}
