package dev.dualproc.world.critic;

import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.SceneFacts;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.Style;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import dev.dualproc.world.VqaQuestions;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Overlay items whose overlay matches the scene but whose scene is broken (`world train vlm --broken-fraction F`): a
 * rendered scene gets the control's true overlay (the line on its horizon, its own stroke weight, palette or nearer
 * point), then blobs, a heap of small objects, a texture, a line along the horizon, bands, stripes or a patch shuffle are painted over it until the validity check rejects it,
 * and the answer is No. Teaching LoRAs that fool a critic swell objects into blobs and paint over the ground while the
 * overlay's own feature is right; a critic that has seen such scenes answered No has a reason to keep the scene whole.
 * The items carry no scene truth (the probes and captions read rendered scenes only), like generated items.
 */
public final class BrokenScenes {
  private BrokenScenes() {}

  /**
   * Breakers, drawn uniformly: blobs twice as often, and a dark or red line along the horizon itself, the hacks LoRAs
   * were seen to paint, a clutter of small objects (the heap a depth LoRA piled around point A), and textures over the
   * ground or sky as a family (dots, stripes, checks, noise at many periods: the dotted ground that came next), rather
   * than one hack at a time (docs/critic-study.md, 2026-12-07).
   */
  private static final List<String> BREAKERS = List.of("blobs", "blobs", "horizon-line", "clutter", "clutter", "texture", "texture", "bands", "stripes", "shuffle");

  /** Items first .. first + n - 1 of stream {@code seed}, the overlay families in turn, at the critic's image size. */
  public static List<VqaItem> items(long seed, long first, int n, ItemRecipe recipe) {
    return java.util.stream.LongStream.range(first, first + n).mapToObj(i -> item(seed, i, recipe)).toList();
  }

  public static VqaItem item(long seed, long index, ItemRecipe recipe) {
    String task = VqaGenerator.OVERLAY_TASKS.get((int) Math.floorMod(index, (long) VqaGenerator.OVERLAY_TASKS.size()));
    SplittableRandom rng = new SplittableRandom((seed * 0x9E3779B97F4A7C15L + index) ^ 0x6B7E1D5A3C29F0E1L);
    int size = CriticConfig.IMAGE_SIZE;
    SceneRenderer.Options options = switch (task) {
      case "palette" -> new SceneRenderer.Options(null, true);
      case "line-weight" -> new SceneRenderer.Options(Style.DRAWING, null);
      default -> SceneRenderer.Options.ANY;
    };
    for (int attempt = 0; attempt < 100; attempt++) {
      long sceneSeed = rng.nextLong();
      SceneRenderer.Rendered r = SceneRenderer.render(sceneSeed, size, size, options);
      VqaQuestions.Asked a = VqaQuestions.ask(task, true, SceneFacts.of(r.truth()), r.image(), rng, recipe);
      if (a == null) continue;
      BufferedImage broken = a.scene();
      String breaker = BREAKERS.get(rng.nextInt(BREAKERS.size()));
      // paint until the validity check rejects the scene: a blob on the sky may leave it valid
      double horizon = r.truth().horizonRow();
      boolean valid = SceneAnalysis.of(broken).validity.valid();
      for (int k = 0; k < 4 && valid; k++) valid = SceneAnalysis.of(broken = breakOnce(breaker, broken, horizon, rng)).validity.valid();
      if (valid) continue;
      return new VqaItem(task, sceneSeed, broken, null, a.question(), false, a.preset(), a.params(), a.mode(), false, 0);
    }
    throw new IllegalStateException("no broken scene for " + task + " in 100 tries (seed " + seed + ", item " + index + ")");
  }

  private static BufferedImage breakOnce(String breaker, BufferedImage scene, double horizon, SplittableRandom rng) {
    return switch (breaker) {
      // on a photo a dark line along the horizon is paint (a drawing has outlines everywhere, and is then left valid)
      case "horizon-line" -> Scrambles.bandAt(scene, horizon, 1 + rng.nextInt(2), rng.nextBoolean() ? dev.dualproc.world.Parts.OUTLINE : 0xFF0000);
      case "blobs" -> Scrambles.blobs(scene, rng);
      case "clutter" -> Scrambles.clutter(scene, rng);
      case "texture" -> Scrambles.texture(scene, horizon, rng);
      case "bands" -> Scrambles.paintedBands(scene, rng);
      case "stripes" -> Scrambles.stripes(scene, rng);
      case "shuffle" -> Scrambles.patchShuffle(scene, 2 << rng.nextInt(3), rng);
      default -> throw new IllegalArgumentException("unknown breaker " + breaker);
    };
  }
}
