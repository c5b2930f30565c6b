package dev.dualproc.model.text;

import dev.dualproc.engine.DualprocException;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/** The hidden activations of transformers' ACT2FN that the text encoders use, by their config names. */
public enum Activation {
  RELU, GELU, GELU_TANH, QUICK_GELU, SILU;

  public static Activation parse(String file, String field, String name) {
    return switch (name) {
      case "relu" -> RELU;
      case "gelu" -> GELU;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH; // the tanh approximation, in three spellings
      case "quick_gelu" -> QUICK_GELU;
      case "silu", "swish" -> SILU;
      default -> throw new DualprocException(file + ": " + field + ": unknown activation '" + name
          + "'; expected relu, gelu, gelu_new, gelu_pytorch_tanh, quick_gelu or silu");
    };
  }

  public Tensor apply(Tensor x) {
    return switch (this) {
      case RELU -> relu(x);
      case GELU -> gelu(x);
      case GELU_TANH -> gelu(x, "tanh");
      case QUICK_GELU -> x.mul(sigmoid(x.mul(new org.bytedeco.pytorch.Scalar(1.702))));
      case SILU -> silu(x);
    };
  }
}
