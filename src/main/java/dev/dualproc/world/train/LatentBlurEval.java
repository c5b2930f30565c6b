package dev.dualproc.world.train;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.ObjectsVerifier;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Verdict;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

  public record Row(double blur, double objects, double valid) {}

  public record Report(int count, List<Row> rows) {
    public String table() {
      StringBuilder b = new StringBuilder("| decoded from the rendered scene's latent blended toward its 3x3 blur by | captioned objects found | valid scenes |\n|---|---|---|\n");
      for (Row r : rows)
        b.append(String.format(Locale.ROOT, "| %.2f%s | %.1f%% | %.1f%% |%n", r.blur(), r.blur() == 0 ? " (the round trip)" : "", 100 * r.objects(), 100 * r.valid()));
      return b.append("(").append(count).append(" held-out captions)\n").toString();
    }
  }

  public static void validate(double[] shares) {
    if (shares.length == 0) throw new DualprocException("--latent-blur: give at least one share");
    for (double a : shares)
      if (!(a >= 0 && a <= 1)) throw new DualprocException("--latent-blur: expected shares in [0, 1], got " + a);
  }

  /** Scenes firstSeed .. +count-1, one row per share. */
  public static Report run(FluxPipeline p, long firstSeed, int count, double[] shares) {
    validate(shares);
    List<Row> rows = new ArrayList<>();
    for (double a : shares) {
      int objects = 0, valid = 0;
      for (int i = 0; i < count; i++) {
        SceneRenderer.Rendered scene = SceneRenderer.render(firstSeed + i, p.width(), p.height());
        Verdict v = ObjectsVerifier.forCaption(Captions.caption(scene.truth()))
            .judge(SceneAnalysis.of(Images.toImage(StepScope.compute(() -> blurredRoundTrip(p, scene, a)))));
        if (v.pass()) objects++;
        if (v.validScene()) valid++;
      }
      rows.add(new Row(a, objects / (double) count, valid / (double) count));
    }
    return new Report(count, rows);
  }

  private static Tensor blurredRoundTrip(FluxPipeline p, SceneRenderer.Rendered scene, double a) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor z = p.ae.encode(Images.toTensor(scene.image()));
      Tensor blurred = avg_pool2d(z, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1}, false, false, new LongOptional());
      Tensor mixed = z.add(blurred.sub(z).mul(Tensors.scalar(a)));
      return p.ae.decode(mixed).clamp(new ScalarOptional(Tensors.scalar(-1)), new ScalarOptional(Tensors.scalar(1)));
    }
  }
}
