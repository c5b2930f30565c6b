package dev.dualproc.world;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Yes/no questions about rendered scenes, for training critics. Item i of a stream asks task TASKS[i mod 9] and is a
 * "yes" item when (i div 9) is even, so every task is balanced between yes and no (and, for the overlay tasks, between
 * matching and non-matching overlays) over each 18 items. The questions are written by {@link VqaQuestions} from the
 * scene's truth; the overlay questions are the control presets' own wording; a quarter of the horizon negatives are
 * "hacked": a band painted across the scene where the overlay's line goes.
 * Scene seeds are hashed from (stream seed, i), far from the verifiers' held-out range in practice.
 */
public final class VqaGenerator {
  private VqaGenerator() {}

  public static final List<String> TASKS = List.of("objects", "colours", "counts", "left-right", "time-of-day",
      "palette", "line-weight", "horizon", "depth");

  /** The families that show an overlay (a control preset's); the others are plain questions. */
  public static final List<String> OVERLAY_TASKS = List.of("palette", "line-weight", "horizon", "depth");

  /** Items first .. first + n - 1 of the stream `seed`, at size x size. */
  public static List<VqaItem> items(long seed, long first, int n, int size) {
    List<VqaItem> out = new ArrayList<>(n);
    for (long i = first; i < first + n; i++) out.add(item(seed, i, size));
    return out;
  }

  /** The family of item {@code index}: TASKS[index mod 9]. */
  public static String task(long index) { return TASKS.get((int) Math.floorMod(index, (long) TASKS.size())); }

  /** Whether item {@code index} is a yes item: (index div 9) even. */
  public static boolean yes(long index) { return Math.floorDiv(index, (long) TASKS.size()) % 2 == 0; }

  public static VqaItem item(long seed, long index, int size) { return item(seed, index, size, ItemRecipe.DEFAULT); }

  /** Item {@code index} with the horizon, line-weight and left-right items made as {@code recipe} says (VqaQuestions.ask). */
  public static VqaItem item(long seed, long index, int size, ItemRecipe recipe) {
    String task = task(index);
    boolean yes = yes(index);
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    // half of the palette and line-weight No items show a scene without a palette or a stroke, where teaching starts
    boolean without = !yes && (task.equals("palette") || task.equals("line-weight")) && rng.nextBoolean();
    // graded line weight: half of the drawn No items have strokes of 5-6 px, thicker than any bar, which a LoRA that
    // overshoots the bar draws; drawn from a stream of their own so every other item stays as the hard stream's
    Integer overshoot = task.equals("line-weight") && !yes && !without && recipe.lineWeightGraded()
        ? overshoot(new SplittableRandom((seed * 0x9E3779B97F4A7C15L + index) ^ 0x5DEECE66DL)) : null;
    SceneRenderer.Options options = switch (task) {
      case "palette" -> new SceneRenderer.Options(null, !without);
      case "line-weight" -> new SceneRenderer.Options(without ? Style.PHOTO : Style.DRAWING, null, overshoot);
      case "time-of-day" -> new SceneRenderer.Options(null, false);
      default -> SceneRenderer.Options.ANY;
    };
    for (int attempt = 0; attempt < 100; attempt++) {
      long sceneSeed = rng.nextLong();
      SceneRenderer.Rendered r = SceneRenderer.render(sceneSeed, size, size, options);
      VqaQuestions.Asked a = VqaQuestions.ask(task, yes, SceneFacts.of(r.truth()), r.image(), rng, recipe);
      if (a != null)
        return new VqaItem(task, sceneSeed, a.scene(), r.truth(), a.question(), a.yes(), a.preset(), a.params(), a.mode(), a.hacked(), a.target());
    }
    throw new IllegalStateException("no scene for VQA task " + task + " in 100 tries (seed " + seed + ", item " + index + ")");
  }

  /** Strokes of 5 or 6 px at 64 on half of the calls, else null (the scene's own 1-4). */
  private static Integer overshoot(SplittableRandom rng) { return rng.nextBoolean() ? 5 + rng.nextInt(2) : null; }
}
