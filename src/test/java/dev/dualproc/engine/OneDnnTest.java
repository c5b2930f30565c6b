package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fp32 CPU convolution gradients dualproc relies on, against fp64, with the engine's kernel settings applied. */
class OneDnnTest {

  /** The shapes oneDNN got wrong on an AVX-512 EPYC: few output channels, 3x3 (the autoencoder's conv_out has 3). */
  @ParameterizedTest @ValueSource(ints = {3, 8, 16, 32})
  void convInputGradientMatchesFloat64(int out) {
    OneDnn.apply();
    try (PointerScope s = new PointerScope()) {
      torch.manual_seed(7);
      Tensor x = torch.randn(new long[] {1, 32, 32, 48}, new TensorOptions(ScalarType.Double));
      Tensor w = torch.randn(new long[] {out, 32, 3, 3}, new TensorOptions(ScalarType.Double)).mul(new Scalar(0.1));
      Tensor r = torch.randn(new long[] {1, out, 32, 48}, new TensorOptions(ScalarType.Double));
      Tensor x32 = x.to(ScalarType.Float).detach().requires_grad_(true), x64 = x.detach().requires_grad_(true);
      conv(x32, w.to(ScalarType.Float)).mul(r.to(ScalarType.Float)).sum().backward();
      conv(x64, w).mul(r).sum().backward();
      assertThat(Tensors.relativeError(x32.grad().to(ScalarType.Double), x64.grad())).as("input gradient, %d output channels", out).isLessThan(1e-5);
    }
  }

  @Test void offUnlessTheVariableSaysOn() {
    assertThat(OneDnn.enabled()).isEqualTo("1".equals(System.getenv(OneDnn.VARIABLE)));
  }

  private static Tensor conv(Tensor x, Tensor w) {
    return torch.conv2d(x, w, new TensorOptional(), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
  }
}
