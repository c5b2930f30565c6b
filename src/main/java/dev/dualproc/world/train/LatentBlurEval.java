package dev.dualproc.world.train;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.world.SceneRenderer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;

/**
 * How much latent detail the decoder needs (`world eval generator --latent-blur A,...`): each rendered scene's latent
 * is blended toward its own 3x3 box blur by a share A, decoded, and judged. A = 0 is the round trip. The transformer's
 * latents are smoother than the encoder's; a decoder that loses the objects at small A leaves the transformer no room
 * for error.
 */
public final class LatentBlurEval {
  private LatentBlurEval() {}

  public record Report(int count, List<RenoiseEval.Row> rows) {
    public String table() { return RenoiseEval.table("decoded from the rendered scene's latent blended toward its 3x3 blur by", "%.2f", count, rows); }
  }

  public static void validate(double[] shares) {
    if (shares.length == 0) throw new DualprocException("--latent-blur: give at least one share");
    for (double a : shares)
      if (!(a >= 0 && a <= 1)) throw new DualprocException("--latent-blur: expected shares in [0, 1], got " + a);
  }

  /** Scenes firstSeed .. +count-1, one row per share. */
  public static Report run(FluxPipeline p, long firstSeed, int count, double[] shares) {
    validate(shares);
    List<RenoiseEval.Row> rows = new ArrayList<>();
    for (double a : shares) rows.add(RenoiseEval.judged(a, p, firstSeed, count, false, (scene, caption, seed) -> blurredRoundTrip(p, scene, a)));
    return new Report(count, rows);
  }

  /** The 3x3 box blur of a latent [b, c, h, w], averaging only the cells inside at the edges (the latent degradation of both the eval and robust's autoencoder phase). */
  static Tensor boxBlur(Tensor z) {
    return avg_pool2d(z, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, false, false, new LongOptional());
  }

  private static Tensor blurredRoundTrip(FluxPipeline p, SceneRenderer.Rendered scene, double a) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor z = p.ae.encode(Images.toTensor(scene.image()));
      Tensor mixed = z.add(boxBlur(z).sub(z).mul(Tensors.scalar(a)));
      return p.ae.decode(mixed).clamp(new ScalarOptional(Tensors.scalar(-1)), new ScalarOptional(Tensors.scalar(1)));
    }
  }
}
