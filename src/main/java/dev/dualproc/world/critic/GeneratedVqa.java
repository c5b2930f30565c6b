package dev.dualproc.world.critic;

import dev.dualproc.eval.DepthVerifier;
import dev.dualproc.eval.PaletteVerifier;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.StrokeVerifier;
import dev.dualproc.eval.Verifiers;
import dev.dualproc.world.Canvas;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.SceneFacts;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import dev.dualproc.world.VqaQuestions;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * VQA items about generated images, answered by what the verifiers measure on the image (never by the caption it was
 * generated from): objects, colours, counts and left-right from the detected objects, the overlay families from the
 * measured horizon, stroke weight, palette and depth, each overlay answer checked by its verifier on the image shown.
 * A control passes only on a valid scene, so on an image the validity check rejects every question is No (the
 * question or overlay drawn from the measurement or away from it, at random; what the detector finds in a broken image
 * is no object): the critic learns to refuse broken images. Time of day is not asked: SceneAnalysis does not measure it.
 *
 * <p>Item i of stream s asks family {@code families().get(i mod k)} and is a yes item when (i div k) is even, as
 * rendered items are; its choices come from a random generator seeded by (s, i), so an item is a pure function of
 * (pool, s, i). Yes items use valid images; no items a broken image half of the time (when the pool has both), else a
 * valid image with a question or overlay away from the measurement.
 */
public final class GeneratedVqa {
  /** The families asked about generated images: all but time of day, which the verifiers do not measure. */
  public static final List<String> TASKS = VqaGenerator.TASKS.stream().filter(t -> !t.equals("time-of-day")).toList();

  /** What the verifiers measured on one pool image. */
  public record Measured(SceneFacts facts, boolean valid) {}

  private final GeneratedPool pool;
  private final List<Measured> measured;
  private final int[] valid, invalid;
  private final List<String> families;
  private final ItemRecipe recipe;

  /** Measures every pool image; {@code tasks}: the families wanted (those a pool cannot ask both ways are left out). */
  public GeneratedVqa(GeneratedPool pool, List<String> tasks) { this(pool, tasks, ItemRecipe.DEFAULT); }

  /** As above, with the horizon and line-weight items made as the training config says. */
  public GeneratedVqa(GeneratedPool pool, List<String> tasks, ItemRecipe recipe) {
    this.recipe = recipe;
    this.pool = pool;
    this.measured = IntStream.range(0, pool.size()).parallel().mapToObj(k -> measure(pool.images().get(k))).toList();
    this.valid = IntStream.range(0, pool.size()).filter(k -> measured.get(k).valid()).toArray();
    this.invalid = IntStream.range(0, pool.size()).filter(k -> !measured.get(k).valid()).toArray();
    this.families = tasks.stream().filter(TASKS::contains).filter(t -> askable(t, true) && askable(t, false)).toList();
  }

  public GeneratedPool pool() { return pool; }
  public List<Measured> measured() { return measured; }
  public double validRate() { return valid.length / (double) pool.size(); }

  /** The families this pool can ask with both answers, in {@link VqaGenerator#TASKS} order. */
  public List<String> families() { return families; }

  /** The facts the question writer gets about a generated image: the verifiers' measurements, no truth. */
  public static Measured measure(BufferedImage image) {
    SceneAnalysis a = SceneAnalysis.of(image);
    List<SceneFacts.Thing> things = a.objects.stream().map(o -> new SceneFacts.Thing(o.kind(), o.colour(), (o.x0() + o.x1()) / 2.0)).toList();
    float[] depth = new float[a.width * a.height];
    for (int y = 0; y < a.height; y++)
      for (int x = 0; x < a.width; x++) depth[y * a.width + x] = DepthVerifier.depthAt(a, (x + 0.5) / a.width, (y + 0.5) / a.height);
    int w = a.width, h = a.height;
    SceneFacts.DepthField field = (fx, fy) -> depth[Math.min(h - 1, (int) Math.floor(fy * h)) * w + Math.min(w - 1, (int) Math.floor(fx * w))];
    return new Measured(new SceneFacts(w, h, a.horizonRow(), null, palette(a, Canvas.pixels(image)), StrokeVerifier.measure(a), things, field), a.validity.valid());
  }

  /** The fewest (2-6) most frequent colours the palette verifier accepts as the image's palette, or null. */
  static List<Integer> palette(SceneAnalysis a, int[] px) {
    for (int k = 2; k <= 6; k++) {
      List<Integer> colours = PaletteVerifier.dominant(px, k);
      if (colours.size() == k && new PaletteVerifier(colours).judge(a).pass()) return colours;
    }
    return null;
  }

  /** Items first .. first + n - 1 of stream {@code stream}, in parallel (each depends on its index only). */
  public List<VqaItem> items(long stream, long first, int n) {
    return LongStream.range(first, first + n).parallel().mapToObj(i -> item(stream, i)).toList();
  }

  public VqaItem item(long stream, long index) {
    if (families.isEmpty()) throw new IllegalStateException("the generated pool can ask no question family with both answers");
    int k = families.size();
    String task = families.get((int) Math.floorMod(index, (long) k));
    boolean yes = Math.floorDiv(index, (long) k) % 2 == 0;
    SplittableRandom rng = new SplittableRandom((stream * 0x9E3779B97F4A7C15L + index) ^ 0x6E6572617465L);
    for (int attempt = 0; attempt < 400; attempt++) {
      VqaItem it = tryItem(task, yes, rng);
      if (it != null) return it;
    }
    throw new IllegalStateException("no generated image answers " + task + " " + (yes ? "yes" : "no") + " in 400 tries (stream " + stream + ", item " + index + ")");
  }

  private VqaItem tryItem(String task, boolean yes, SplittableRandom rng) {
    // yes answers only on valid scenes; half of the no answers on broken images (when the pool has both kinds)
    int img = yes ? pick(valid, rng) : invalid.length > 0 && (valid.length == 0 || rng.nextBoolean()) ? pick(invalid, rng) : pick(valid, rng);
    if (img < 0) return null;
    Measured m = measured.get(img);
    // on a broken image the question may match its measurement, or another image's, or neither: the answer is No
    boolean ask = m.valid() ? yes : rng.nextBoolean();
    SceneFacts facts = m.valid() || valid.length == 0 || rng.nextBoolean() ? m.facts() : measured.get(pick(valid, rng)).facts();
    VqaQuestions.Asked a = VqaQuestions.ask(task, ask, facts, pool.images().get(img), rng, recipe);
    if (a == null) return null;
    // a broken image's answer is a hard No whatever the line's distance
    VqaItem it = new VqaItem(task, pool.seeds().get(img), a.scene(), null, a.question(), yes, a.preset(), a.params(), a.mode(), a.hacked(), m.valid() ? a.target() : 0);
    if (it.hasOverlay() && verifierSays(it) != yes) return null;
    return it;
  }

  /** Whether the overlay item's control passes on a valid scene, by its verifier on the scene shown. */
  public static boolean verifierSays(VqaItem it) {
    return Verifiers.forControl(it.overlayPreset(), it.overlayParams(), null).orElseThrow().judge(it.scene()).passAndValid();
  }

  private static int pick(int[] from, SplittableRandom rng) { return from.length == 0 ? -1 : from[rng.nextInt(from.length)]; }

  /** Whether some pool image asks {@code task} with this answer (a fixed probe, so the family list is a function of the pool). */
  private boolean askable(String task, boolean yes) {
    SplittableRandom rng = new SplittableRandom(task.hashCode() * 31L + (yes ? 1 : 0));
    for (int attempt = 0; attempt < Math.max(400, 4 * pool.size()); attempt++) if (tryItem(task, yes, rng) != null) return true;
    return false;
  }

  /** Items and yes answers per family over {@code items}: [family] -> {items, yes}. */
  public static java.util.Map<String, int[]> balance(List<VqaItem> items) {
    java.util.Map<String, int[]> m = new java.util.LinkedHashMap<>();
    for (String t : TASKS) m.put(t, new int[2]);
    for (VqaItem it : items) { int[] c = m.get(it.task()); c[0]++; if (it.yes()) c[1]++; }
    return m;
  }
}
