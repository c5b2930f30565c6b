package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fp32 and bf16 CPU convolution values and gradients (input and weight) against fp64, for the shapes libtorch's oneDNN gets wrong. */
class ConvolutionsTest {

  @ParameterizedTest(name = "in {0}, out {1}, kernel {2}, groups {3}, {4}")
  @CsvSource({"32,3,3,1,fp32", "32,8,3,1,fp32", "64,12,3,1,fp32", "128,24,3,1,fp32", "32,16,3,1,fp32", "128,64,3,1,fp32", "4,32,3,1,fp32", "64,32,3,1,fp32", "32,32,3,1,fp32", "8,64,3,1,fp32", "64,64,1,1,fp32", "32,3,1,1,fp32",
      "3,32,8,1,fp32", "3,3,5,3,fp32", "4,16,3,1,bf16", "32,3,3,1,bf16", "32,3,1,1,bf16", "128,24,3,1,bf16", "3,3,5,3,bf16"})
  void gradientsMatchFloat64(int in, int out, int kernel, int groups, String dtype) {
    ScalarType t = dtype.equals("bf16") ? ScalarType.BFloat16 : ScalarType.Float;
    double tolerance = t == ScalarType.BFloat16 ? 2e-2 : 1e-5; // bf16 keeps 8 bits of mantissa
    try (PointerScope s = new PointerScope()) {
      torch.manual_seed(7);
      TensorOptions f64 = new TensorOptions(ScalarType.Double);
      Tensor x = torch.randn(new long[] {1, in, 24, 40}, f64);
      Tensor w = torch.randn(new long[] {out, in / groups, kernel, kernel}, f64).mul(new Scalar(0.1));
      Tensor b = torch.randn(new long[] {out}, f64);
      long pad = kernel == 8 ? 0 : kernel / 2, stride = kernel == 8 ? 8 : 1;
      Tensor x32 = x.to(t).detach().requires_grad_(true), w32 = w.to(t).detach().requires_grad_(true);
      Tensor x64 = x.detach().requires_grad_(true), w64 = w.detach().requires_grad_(true);
      Tensor y32 = Convolutions.conv2d(x32, w32, b.to(t), stride, pad, groups);
      Tensor y64 = torch.conv2d(x64, w64, new org.bytedeco.pytorch.TensorOptional(b), new long[] {stride, stride}, new long[] {pad, pad}, new long[] {1, 1}, groups);
      Tensor r = torch.randn(y64.sizes(), f64);
      assertThat(Tensors.isDtype(y32, t)).as("the input's dtype").isTrue();
      y32.mul(r.to(t)).sum().backward();
      y64.mul(r).sum().backward();
      assertThat(Tensors.shape(y32)).containsExactly(Tensors.shape(y64));
      assertThat(Tensors.relativeError(y32.to(ScalarType.Double), y64)).as("values").isLessThan(tolerance);
      assertThat(Tensors.relativeError(x32.grad().to(ScalarType.Double), x64.grad())).as("input gradient").isLessThan(tolerance);
      assertThat(Tensors.relativeError(w32.grad().to(ScalarType.Double), w64.grad())).as("weight gradient").isLessThan(tolerance);
    }
  }

  @Test void onlyTheShapesOneDnnGetsWrongTakeIm2col() {
    try (PointerScope s = new PointerScope()) {
      Tensor x = torch.randn(new long[] {1, 32, 8, 8}, new TensorOptions(ScalarType.Float)).requires_grad_(true);
      Tensor w32 = torch.randn(new long[] {32, 32, 3, 3}, new TensorOptions(ScalarType.Float));
      Tensor w3 = torch.randn(new long[] {3, 32, 3, 3}, new TensorOptions(ScalarType.Float));
      assertThat(Convolutions.needsIm2col(x, w32, 1)).as("fp32, 32 output channels: oneDNN").isFalse();
      assertThat(Convolutions.needsIm2col(x, w3, 1)).as("fp32, 3 output channels").isTrue();
      assertThat(Convolutions.needsIm2col(x.to(ScalarType.BFloat16), w32.to(ScalarType.BFloat16), 1)).as("bf16").isTrue();
      assertThat(Convolutions.needsIm2col(x.detach(), w3, 1)).as("no input gradient").isFalse();
      assertThat(Convolutions.needsIm2col(x, w32, 2)).as("grouped").isFalse();
    }
  }
}
