package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/** The transformers ACT2FN names these checkpoints use. */
enum Activation {
  SILU, GELU, GELU_TANH, RELU;

  static Activation of(String hfName, String where) {
    return switch (hfName) {
      case "silu", "swish" -> SILU;
      case "gelu" -> GELU;
      case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> GELU_TANH; // all three are the tanh approximation
      case "relu" -> RELU;
      default -> throw new DualprocException(where + ": hidden_act '" + hfName + "' is not supported (silu, gelu, gelu_pytorch_tanh, relu)");
    };
  }

  Tensor apply(Tensor x) {
    return switch (this) {
      case SILU -> silu(x);
      case GELU -> gelu(x);
      case GELU_TANH -> gelu(x, "tanh");
      case RELU -> relu(x);
    };
  }
}
