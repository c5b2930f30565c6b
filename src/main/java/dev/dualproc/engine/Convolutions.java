package dev.dualproc.engine;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * torch.nn.functional.conv2d with a guard for a libtorch CPU bug. On an AMD EPYC with AVX-512, libtorch 2.10's oneDNN
 * (mkldnn) input gradient of a convolution is wrong for many shapes: in fp32 for kxk kernels with output channels off a
 * multiple of 16, in bf16 for nearly all, 1x1 included (0.3-0.98 relative error or NaN; {@code ConvolutionsTest}), and
 * the autoencoder's conv_out (3 channels) carries every teaching gradient. Turning oneDNN off fixes it but makes bf16
 * matmuls 4-10x slower, so on the CPU a convolution whose input needs a gradient, in bf16 or with output channels off
 * a multiple of 16, runs on ATen's own im2col kernel (thnn_conv2d: the same values to float rounding, about 2x slower);
 * the rest (forward-only, fp32 with whole multiples, grouped, other devices: right as they are) keeps the fast path.
 */
public final class Convolutions {
  private Convolutions() {}

  /** fp32 output channels in multiples of this get oneDNN's input gradient right (the AVX-512 float vector width). */
  static final long CHANNEL_MULTIPLE = 16;

  /** conv2d(x, weight, bias, stride, padding, dilation 1, groups); bias may be null. */
  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long padding, long groups) {
    TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias);
    if (needsIm2col(x, weight, groups))
      return torch.thnn_conv2d(x, weight, new long[] {weight.size(2), weight.size(3)}, b, new long[] {stride, stride}, padding, padding);
    return torch.conv2d(x, weight, b, new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, groups);
  }

  /**
   * Whether this convolution takes ATen's im2col kernel. The dtype is compared interned: JavaCPP hands back a fresh
   * enum object, so {@code scalar_type() != Float} held for every tensor and sent every trained conv down the 5-10x
   * slower path.
   */
  static boolean needsIm2col(Tensor x, Tensor weight, long groups) {
    return groups == 1 && x.device().is_cpu() && x.requires_grad()
        && (x.scalar_type().intern() != ScalarType.Float || weight.size(0) % CHANNEL_MULTIPLE != 0);
  }
}
