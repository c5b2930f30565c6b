package dev.dualproc.world.train;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.ObjectsVerifier;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Verdict;
import dev.dualproc.model.flux.FluxCond;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.flux.FluxSampler;
import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Where along the schedule the transformer loses the objects (`world eval generator --renoise T,...`): the rendered
 * scene's latent is noised to time t, x_t = (1 - t) x0 + t noise, then denoised by the pipeline's own remaining Euler
 * steps with its caption, and the verifiers judge the result. t = 0 is the autoencoder's round trip (the ceiling), t = 1
 * plain generation from noise; a model that keeps objects from t = 0.25 but not from 0.75 fails at laying them out, one
 * that loses them from 0.25 already fails at drawing them.
 */
public final class RenoiseEval {
  private RenoiseEval() {}

  /** {@code objectsKindsSwapped}: the objects found when the caption's kind words are swapped (NaN: not measured). */
  public record Row(double t, double objects, double valid, double objectsKindsSwapped) {}

  public record Report(int count, List<Row> rows) {
    public String table() { return RenoiseEval.table("denoised from the rendered scene's latent noised to t", "%.3f", count, rows); }
  }

  /** A table of rows whose first column is the row's parameter in {@code format}; 0 is the round trip in both tables. */
  static String table(String what, String format, int count, List<Row> rows) {
    boolean swapped = rows.stream().anyMatch(r -> !Double.isNaN(r.objectsKindsSwapped()));
    StringBuilder b = new StringBuilder("| " + what + " | captioned objects found | valid scenes |"
        + (swapped ? " objects found, denoised with every kind word swapped |\n|---|---|---|---|\n" : "\n|---|---|---|\n"));
    for (Row r : rows)
      b.append(String.format(Locale.ROOT, "| " + format + "%s | %.1f%% | %.1f%% |%s%n", r.t(), r.t() == 0 ? " (the round trip)" : "", 100 * r.objects(), 100 * r.valid(),
          swapped ? String.format(Locale.ROOT, " %.1f%% |", 100 * r.objectsKindsSwapped()) : ""));
    return b.append("(").append(count).append(" held-out captions)\n").toString();
  }

  /** What a row decodes for one held-out scene: an image tensor in [-1, 1]. */
  interface SceneImage { Tensor of(SceneRenderer.Rendered scene, String caption, long seed); }

  /**
   * One row: held-out scenes firstSeed .. +count-1, each made into an image by {@code image} and judged by the verifiers;
   * with {@code kindsSwapped}, each also made from its caption with every kind word swapped ({@link Captions#kindsRotated}),
   * and judged against the true caption: if the model reads the kinds from the text, the swapped caption costs objects.
   */
  static Row judged(double x, FluxPipeline p, long firstSeed, int count, boolean kindsSwapped, SceneImage image) {
    int objects = 0, valid = 0, swappedObjects = 0;
    for (int i = 0; i < count; i++) {
      long seed = firstSeed + i;
      SceneRenderer.Rendered scene = SceneRenderer.render(seed, p.width(), p.height());
      String caption = Captions.caption(scene.truth());
      Verdict v = ObjectsVerifier.forCaption(caption).judge(SceneAnalysis.of(Images.toImage(StepScope.compute(() -> image.of(scene, caption, seed)))));
      if (v.pass()) objects++;
      if (v.validScene()) valid++;
      if (kindsSwapped) {
        String swapped = Captions.kindsRotated(caption);
        if (ObjectsVerifier.forCaption(caption).judge(SceneAnalysis.of(Images.toImage(StepScope.compute(() -> image.of(scene, swapped, seed))))).pass()) swappedObjects++;
      }
    }
    return new Row(x, objects / (double) count, valid / (double) count, kindsSwapped ? swappedObjects / (double) count : Double.NaN);
  }

  /** Scenes firstSeed .. +count-1 (noise seed = scene seed), one row per time; each t must be a time of the pipeline's schedule. */
  public static Report run(FluxPipeline p, long firstSeed, int count, double[] times, boolean kindsSwapped) {
    FluxSampler s = p.sampler();
    int[] steps = new int[times.length];
    for (int k = 0; k < times.length; k++) steps[k] = stepOf(s, times[k]);
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k < times.length; k++) {
      int from = steps[k];
      rows.add(judged(s.sigma(from), p, firstSeed, count, kindsSwapped, (scene, caption, seed) -> denoised(p, s, scene, FluxCond.from(p.encode(caption)), seed, from)));
    }
    return new Report(count, rows);
  }

  private static Tensor denoised(FluxPipeline p, FluxSampler s, SceneRenderer.Rendered scene, FluxCond c, long seed, int from) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor x0 = p.ae.encode(Images.toTensor(scene.image()));
      return p.ae.decode(s.renoised(x0, Rng.normal(seed, Tensors.shape(x0)), from, c)).clamp(new ScalarOptional(Tensors.scalar(-1)), new ScalarOptional(Tensors.scalar(1)));
    }
  }

  /** Checks every time against the pipeline's schedule before anything is generated. */
  public static void validate(FluxPipeline p, double[] times) {
    if (times.length == 0) throw new DualprocException("--renoise: give at least one time");
    for (double t : times) stepOf(p.sampler(), t);
  }

  /** The schedule index whose time is t (within 1e-4), or an error listing the times there are. */
  static int stepOf(FluxSampler s, double t) {
    float[] ts = s.timesteps();
    for (int i = 0; i < ts.length; i++) if (Math.abs(ts[i] - t) < 1e-4) return i;
    StringBuilder b = new StringBuilder();
    for (float x : ts) b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", x));
    throw new DualprocException("--renoise: " + t + " is not a time of the pipeline's " + s.steps() + "-step schedule; use one of " + b);
  }
}
