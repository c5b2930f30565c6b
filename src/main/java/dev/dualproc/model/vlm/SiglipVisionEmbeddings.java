package dev.dualproc.model.vlm;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Patch embedding (a stride-p convolution) plus learned position embeddings. An input whose patch grid differs from
 * the trained one (image_size / patch_size per side) takes its position ids the Idefics2/Idefics3 way (NaViT-style
 * fractional coordinates bucketed into the trained grid), computed with the same float32 arange and bucketize, so
 * that any size gets exactly the ids transformers gives it.
 */
final class SiglipVisionEmbeddings {
  final Tensor patch_embedding_weight, patch_embedding_bias, position_embedding_weight;
  final int patchSize, patchesPerSide;

  SiglipVisionEmbeddings(Weights w, VisionConfig c) {
    patchSize = c.patchSize();
    patchesPerSide = c.patchesPerSide();
    patch_embedding_weight = w.get("patch_embedding.weight", c.hiddenSize(), c.numChannels(), c.patchSize(), c.patchSize());
    patch_embedding_bias = w.get("patch_embedding.bias", c.hiddenSize());
    position_embedding_weight = w.get("position_embedding.weight", (long) patchesPerSide * patchesPerSide, c.hiddenSize());
  }

  /** pixels [B, C, H, W] -> [B, (H/p)*(W/p), hidden]. */
  Tensor forward(Tensor pixels) {
    long p = patchSize;
    Tensor patches = dev.dualproc.engine.Convolutions.conv2d(pixels, patch_embedding_weight, patch_embedding_bias, p, 0, 1);
    long gh = patches.size(2), gw = patches.size(3);
    Tensor embeddings = patches.flatten(2, 3).transpose(1, 2);
    Tensor ids = positionIds(gh, gw, patchesPerSide).to(position_embedding_weight.device(), ScalarType.Long);
    return embeddings.add(embedding(position_embedding_weight, ids));
  }

  /** [gh*gw] ids into the trained [n x n] grid, as Idefics2VisionEmbeddings computes them for an unpadded image. */
  static Tensor positionIds(long gh, long gw, int n) {
    TensorOptions f32 = new TensorOptions(ScalarType.Float);
    Tensor boundaries = arange(new Scalar(1.0 / n), new Scalar(1.0), new Scalar(1.0 / n), f32);
    Tensor bh = bucketize(fractional(gh), boundaries, false, true);
    Tensor bw = bucketize(fractional(gw), boundaries, false, true);
    return bh.unsqueeze(1).mul(new Scalar(n)).add(bw.unsqueeze(0)).flatten();
  }

  /** arange(0, 1 - 1e-6, 1 / count) with the step rounded to float32, as `1 / tensor` gives it. */
  private static Tensor fractional(long count) {
    double step = (float) (1.0 / count);
    return arange(new Scalar(0L), new Scalar(1 - 1e-6), new Scalar(step), new TensorOptions(ScalarType.Float));
  }
}
