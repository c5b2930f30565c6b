package dev.dualproc.model.vlm;

import dev.dualproc.engine.Tensors;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;

/**
 * The reference's differentiable VLM preprocessing (dual_process preprocess_vlm_image): min-max of the whole image to
 * [0, 1] (gradient through the min and the max too), (x - mean) / std per channel, then a bilinear resize with
 * align_corners false and no antialias. A constant image would divide by zero; its range is floored at 1e-12 so it
 * maps to 0 instead of NaN (any real image is unaffected).
 */
public final class ImageInput {
  private ImageInput() {}

  /** image [1, 3, H, W] in any range -> pixel_values [1, 3, height, width]. */
  public static Tensor pixelValues(Tensor image, double[] mean, double[] std, long height, long width) {
    if (image.dim() != 4 || image.size(1) != 3)
      throw new IllegalArgumentException("expected an image [B, 3, H, W], got " + Tensors.shapeString(image));
    Tensor lo = image.min(), hi = image.max();
    Tensor x = image.sub(lo).div(hi.sub(lo).clamp_min(new Scalar(1e-12)));
    Tensor m = channel(mean, image), s = channel(std, image);
    x = x.sub(m).div(s);
    if (x.size(2) == height && x.size(3) == width) return x; // bilinear to the same size is the identity
    // F.interpolate(size=..., mode="bilinear") calls this op with no scales: the source/target ratio sets the sampling grid
    return upsample_bilinear2d(x, new long[] {height, width}, false);
  }

  /** mean or std as [1, 3, 1, 1] in the image's dtype, rounded from the double values as torchvision does. */
  private static Tensor channel(double[] v, Tensor like) {
    try (DoublePointer p = new DoublePointer(v[0], v[1], v[2])) {
      return from_blob(p, new long[] {1, 3, 1, 1}, new TensorOptions(ScalarType.Double)).clone().to(like.device(), like.scalar_type());
    }
  }
}
