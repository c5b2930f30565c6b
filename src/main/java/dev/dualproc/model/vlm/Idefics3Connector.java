package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/**
 * Pixel shuffle (each s x s block of patches becomes one token of s*s times the width) then
 * connector.modality_projection.proj, a linear map without bias to the text width.
 */
final class Idefics3Connector implements Connector {
  final Linear proj;
  final int scaleFactor;

  Idefics3Connector(Weights w, IdeficsConfig c) {
    scaleFactor = c.scaleFactor();
    long in = (long) c.vision().hiddenSize() * scaleFactor * scaleFactor;
    proj = Linear.load(w.scope("modality_projection"), "proj", in, c.text().hiddenSize(), false);
  }

  @Override public Tensor forward(Tensor x) { return proj.forward(pixelShuffle(x, scaleFactor)); }

  /** [B, seq, D] with seq a square grid -> [B, seq / s^2, D * s^2], in the order of Idefics3Connector.pixel_shuffle. */
  static Tensor pixelShuffle(Tensor x, int s) {
    long b = x.size(0), seq = x.size(1), d = x.size(2);
    long side = Math.round(Math.sqrt(seq));
    if (side * side != seq || side % s != 0)
      throw new DualprocException("pixel shuffle: " + seq + " patches are not a square grid divisible by scale_factor " + s);
    x = x.view(b, side, side, d);
    x = x.view(b, side, side / s, d * s);
    x = x.permute(0, 2, 1, 3);
    x = x.reshape(b, side / s, side / s, d * s * s);
    x = x.permute(0, 2, 1, 3);
    return x.reshape(b, seq / (s * s), d * s * s);
  }
}
