package dev.dualproc.world.critic;

import dev.dualproc.distill.Generator;
import dev.dualproc.model.vlm.IdeficsCritic;
import java.util.Locale;

/**
 * The critic's agreement with the verifiers on generated images (issue 7 asks at least 90%, overlays included): n
 * images from the captions of held-out scenes ({@link GeneratedPool#EVAL_FIRST_SEED} on, never in a training pool), n
 * items of the held-out stream asked about them, the critic's greedy Yes/No against the verifier-derived answer.
 */
public record GeneratedAgreement(HeldOutAccuracy agreement, int images, double validRate, String generator) {
  public static final String MEASURE = "agreement with the verifiers";

  public static GeneratedAgreement measure(IdeficsCritic critic, Generator g, int n, int batch) {
    return measure(critic, GeneratedPool.generate(g, GeneratedPool.EVAL_FIRST_SEED, n), n, batch, g.identity());
  }

  /** n items of the held-out stream about {@code pool}'s images; none when the pool can ask no family both ways. */
  public static GeneratedAgreement measure(IdeficsCritic critic, GeneratedPool pool, int n, int batch, String generator) {
    GeneratedVqa vqa = new GeneratedVqa(pool, GeneratedVqa.TASKS);
    HeldOutAccuracy a = HeldOutAccuracy.measure(critic, VqaBatches.EVAL_STREAM, vqa.families().isEmpty() ? 0 : n, batch,
        (first, size) -> vqa.items(VqaBatches.EVAL_STREAM, first, size));
    return new GeneratedAgreement(a, pool.size(), vqa.validRate(), generator);
  }

  /** The per-family table, an overall line and where the images came from. */
  public String table() {
    return agreement.table(MEASURE) + String.format(Locale.ROOT,
        "%nOverall agreement %.1f%% on %d items about %d images by %s from held-out captions (scene seeds %d..%d; %.0f%% of them valid"
        + " scenes); time of day is not asked (the verifiers do not measure it).%n",
        100 * agreement.overall(), agreement.byTask().values().stream().mapToInt(c -> c[1]).sum(), images, generator,
        GeneratedPool.EVAL_FIRST_SEED, GeneratedPool.EVAL_FIRST_SEED + images - 1, 100 * validRate);
  }
}
