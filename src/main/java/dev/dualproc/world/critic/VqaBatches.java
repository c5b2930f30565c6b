package dev.dualproc.world.critic;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.List;
import java.util.stream.LongStream;

/**
 * Where the critic's VQA items come from. Every item is rendered on the fly from (stream seed, index)
 * ({@link VqaGenerator#item}); streams with different seeds draw different scene seeds. Training reads stream
 * {@code --seed} from index 0, step after step; two streams are held out and never trained on:
 * <ul>
 * <li>{@link #EVAL_STREAM}: the held-out accuracy of the model card and of {@code dualproc world eval vlm};</li>
 * <li>{@link #VALIDATION_STREAM}: the accuracy logged during training.</li>
 * </ul>
 */
public final class VqaBatches {
  private VqaBatches() {}

  public static final long EVAL_STREAM = 700_000_001L;
  public static final long VALIDATION_STREAM = 700_000_002L;

  /** Rejects a training seed that is a held-out stream. */
  public static long checkTrainingSeed(long seed) {
    if (seed == EVAL_STREAM || seed == VALIDATION_STREAM)
      throw new DualprocException("--seed: " + seed + " is a held-out VQA stream (" + EVAL_STREAM + ", " + VALIDATION_STREAM + "); pick another");
    return seed;
  }

  /**
   * Training items first .. first + n - 1 over only the families {@code tasks} (k of them, a family named c times drawn
   * c times as often): item j is the o-th of the c namings of its family in group j div k, the stream's item
   * ((j div k) * c + o) * 9 + the family's slot, so every item is the stream's own and yes and no still alternate per
   * family.
   */
  public static List<VqaItem> items(long stream, long first, int n, List<String> tasks) {
    return items(stream, first, n, tasks, ItemRecipe.DEFAULT);
  }

  /** As above, with the horizon and line-weight items made as the training config says. */
  public static List<VqaItem> items(long stream, long first, int n, List<String> tasks, ItemRecipe recipe) {
    if (tasks.equals(VqaGenerator.TASKS))
      return LongStream.range(first, first + n).parallel().mapToObj(i -> VqaGenerator.item(stream, i, CriticConfig.IMAGE_SIZE, recipe)).toList();
    int k = tasks.size(), all = VqaGenerator.TASKS.size();
    int[] slot = tasks.stream().mapToInt(VqaGenerator.TASKS::indexOf).toArray();
    int[] times = new int[k], nth = new int[k]; // how often each position's family is named, and which naming it is
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < k; q++) if (slot[q] == slot[p]) { times[p]++; if (q < p) nth[p]++; }
    }
    return LongStream.range(first, first + n).parallel().mapToObj(j -> {
      int p = (int) (j % k);
      return VqaGenerator.item(stream, ((j / k) * times[p] + nth[p]) * all + slot[p], CriticConfig.IMAGE_SIZE, recipe);
    }).toList();
  }

  /** Items first .. first + n - 1 of a stream at the critic's size, rendered in parallel (each depends on its index only). */
  public static List<VqaItem> items(long stream, long first, int n) {
    return items(stream, first, n, VqaGenerator.TASKS, ItemRecipe.DEFAULT);
  }
}
