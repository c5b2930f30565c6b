package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * FLUX's 2x2 patchify of latents into tokens ({@code b c (h ph) (w pw) -> b (h w) (c ph pw)}) and back, and the
 * position ids of image tokens ((0, row, col)) and text tokens (zeros), as BFL sampling.prepare builds them.
 */
public final class LatentPacking {
  private LatentPacking() {}

  /** [B, C, H, W] (H, W even) -> [B, H/2 * W/2, C*4], feature index c*4 + ph*2 + pw. */
  public static Tensor pack(Tensor latent) {
    if (latent.dim() != 4 || latent.size(2) % 2 != 0 || latent.size(3) % 2 != 0)
      throw new DualprocException("pack: expected a latent [B, C, H, W] with even H and W, got " + Tensors.shapeString(latent));
    long b = latent.size(0), c = latent.size(1), h = latent.size(2) / 2, w = latent.size(3) / 2;
    return latent.reshape(b, c, h, 2, w, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, h * w, c * 4);
  }

  /** [B, h*w, C*4] -> [B, C, 2h, 2w], where h, w are the token grid (latent height and width / 2). */
  public static Tensor unpack(Tensor tokens, long h, long w) {
    if (tokens.dim() != 3 || tokens.size(1) != h * w || tokens.size(2) % 4 != 0)
      throw new DualprocException("unpack: expected tokens [B, " + h * w + ", 4*C] for a " + h + "x" + w + " grid, got "
          + Tensors.shapeString(tokens));
    long b = tokens.size(0), c = tokens.size(2) / 4;
    return tokens.reshape(b, h, w, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h * 2, w * 2);
  }

  /** [B, h*w, 3] float32 ids (0, row, col) of an h x w token grid, row-major like the packed tokens. */
  public static Tensor imgIds(long batch, long h, long w) {
    TensorOptions f = new TensorOptions(ScalarType.Float);
    Tensor rows = arange(new Scalar(h), f).reshape(h, 1).expand(h, w);
    Tensor cols = arange(new Scalar(w), f).reshape(1, w).expand(h, w);
    Tensor ids = stack3(zeros(new long[] {h, w}, f), rows, cols).reshape(1, h * w, 3);
    return ids.expand(batch, h * w, 3).contiguous();
  }

  /** [B, T, 3] zeros: FLUX.1 gives every text token position (0, 0, 0). */
  public static Tensor txtIds(long batch, long tokens) { return zeros(new long[] {batch, tokens, 3}, new TensorOptions(ScalarType.Float)); }

  private static Tensor stack3(Tensor a, Tensor b, Tensor c) {
    return cat(new TensorVector(a.unsqueeze(-1), b.unsqueeze(-1), c.unsqueeze(-1)), -1);
  }
}
