package dev.dualproc.world;

import dev.dualproc.eval.Scrambles;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Yes/no questions about rendered scenes, for training critics. Item i of a stream asks task TASKS[i mod 9] and is a
 * "yes" item when (i div 9) is even, so every task is balanced between yes and no (and, for the overlay tasks, between
 * matching and non-matching overlays) over each 18 items. The overlay questions are the control presets' own wording;
 * a quarter of the horizon negatives are "hacked": a band painted across the scene where the overlay's line goes.
 * Scene seeds are hashed from (stream seed, i), far from the verifiers' held-out range in practice.
 */
public final class VqaGenerator {
  private VqaGenerator() {}

  public static final List<String> TASKS = List.of("objects", "colours", "counts", "left-right", "time-of-day",
      "palette", "line-weight", "horizon", "depth");

  private static final Map<String, List<String>> TEMPLATES = Map.of(
      "objects", List.of("Is there a {kind} in the image?", "Does the image show a {kind}?"),
      "colours", List.of("Is there {a} {colour} {kind} in the image?", "Does the image show {a} {colour} {kind}?"),
      "left-right", List.of("Is the {first} to the left of the {second}?", "Is the {second} to the right of the {first}?"),
      "palette", List.of("Does the color palette overlaid at the bottom match the colors of the image?",
          "Do the predominant colors of the image match the palette overlaid at the bottom?"),
      "line-weight", List.of("Ignoring the line color, does the line weight of the image match the red line overlaid at the bottom?",
          "Does the line weight of the drawing match the red line overlaid at the bottom?"),
      "horizon", List.of("Is the overlaid red line aligned with the horizon of the scene?",
          "Does the overlaid red line represent the horizon of the scene?"),
      "depth", List.of("Is Point {near} in the foreground and Point {far} in the background?",
          "Is Point {near} much closer to the camera than Point {far}?"));
  private static final Map<TimeOfDay, String> TIME_QUESTIONS = Map.of(
      TimeOfDay.DAY, "Is it daytime in this scene?", TimeOfDay.SUNSET, "Is this scene at sunset?",
      TimeOfDay.NIGHT, "Is it night in this scene?");
  private static final List<String> NUMBERS = List.of("zero", "one", "two", "three");

  /** Items first .. first + n - 1 of the stream `seed`, at size x size. */
  public static List<VqaItem> items(long seed, long first, int n, int size) {
    List<VqaItem> out = new ArrayList<>(n);
    for (long i = first; i < first + n; i++) out.add(item(seed, i, size));
    return out;
  }

  public static VqaItem item(long seed, long index, int size) {
    String task = TASKS.get((int) Math.floorMod(index, (long) TASKS.size()));
    boolean yes = Math.floorDiv(index, (long) TASKS.size()) % 2 == 0;
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    SceneRenderer.Options options = switch (task) {
      case "palette" -> new SceneRenderer.Options(null, true);
      case "line-weight" -> new SceneRenderer.Options(Style.DRAWING, null);
      case "time-of-day" -> new SceneRenderer.Options(null, false);
      default -> SceneRenderer.Options.ANY;
    };
    for (int attempt = 0; attempt < 100; attempt++) {
      long sceneSeed = rng.nextLong();
      SceneRenderer.Rendered r = SceneRenderer.render(sceneSeed, size, size, options);
      VqaItem item = ask(task, yes, sceneSeed, r, rng);
      if (item != null) return item;
    }
    throw new IllegalStateException("no scene for VQA task " + task + " in 100 tries (seed " + seed + ", item " + index + ")");
  }

  /** The question of `task` about this scene with answer `yes`, or null when the scene cannot ask it. */
  private static VqaItem ask(String task, boolean yes, long sceneSeed, SceneRenderer.Rendered r, SplittableRandom rng) {
    SceneTruth t = r.truth();
    List<SceneObject> objs = t.objects();
    String template = TEMPLATES.containsKey(task) ? TEMPLATES.get(task).get(rng.nextInt(TEMPLATES.get(task).size())) : null;
    switch (task) {
      case "objects" -> {
        Set<Kind> present = EnumSet.noneOf(Kind.class);
        for (SceneObject o : objs) present.add(o.kind());
        List<Kind> pool = new ArrayList<>(yes ? present : EnumSet.complementOf(EnumSet.copyOf(present)));
        if (pool.isEmpty()) return null;
        Kind k = pool.get(rng.nextInt(pool.size()));
        return plain(task, sceneSeed, r, template.replace("{kind}", k.singular), yes);
      }
      case "colours" -> {
        if (objs.isEmpty()) return null;
        SceneObject o = objs.get(rng.nextInt(objs.size()));
        NamedColour c = o.colour();
        if (!yes) {
          List<NamedColour> absent = new ArrayList<>(NamedColour.OBJECT);
          for (SceneObject p : objs) if (p.kind() == o.kind()) absent.remove(p.colour());
          c = absent.get(rng.nextInt(absent.size()));
        }
        String article = "aeiou".indexOf(c.word.charAt(0)) >= 0 ? "an" : "a";
        return plain(task, sceneSeed, r, template.replace("{a}", article).replace("{colour}", c.word).replace("{kind}", o.kind().singular), yes);
      }
      case "counts" -> {
        if (objs.isEmpty()) return null;
        // the number asked is the count of a random present kind for yes and no alike, so the words carry no answer
        Kind present = objs.get(rng.nextInt(objs.size())).kind();
        int asked = (int) objs.stream().filter(o -> o.kind() == present).count();
        Kind kind = present;
        if (!yes) {
          List<Kind> other = new ArrayList<>();
          for (Kind k : Kind.values()) if (objs.stream().filter(o -> o.kind() == k).count() != asked) other.add(k);
          kind = other.get(rng.nextInt(other.size()));
        }
        String q = asked == 1 ? "Is there exactly one " + kind.singular + " in the image?"
            : "Are there exactly " + NUMBERS.get(asked) + " " + kind.plural + " in the image?";
        return plain(task, sceneSeed, r, q, yes);
      }
      case "left-right" -> {
        List<SceneObject> unique = objs.stream().filter(o -> objs.stream().filter(p -> p.kind() == o.kind() && p.colour() == o.colour()).count() == 1)
            .sorted(Comparator.comparingDouble(SceneObject::centreX)).toList();
        if (unique.size() < 2) return null;
        int i = rng.nextInt(unique.size() - 1);
        SceneObject left = unique.get(i), right = unique.get(i + 1);
        if (right.centreX() - left.centreX() < 6 * t.width() / 64.0) return null;
        SceneObject first = yes ? left : right, second = yes ? right : left;
        return plain(task, sceneSeed, r, template.replace("{first}", name(first)).replace("{second}", name(second)), yes);
      }
      case "time-of-day" -> {
        if (t.timeOfDay() == null) return null;
        TimeOfDay asked = t.timeOfDay();
        if (!yes) {
          List<TimeOfDay> others = new ArrayList<>(List.of(TimeOfDay.values()));
          others.remove(asked);
          asked = others.get(rng.nextInt(others.size()));
        }
        return plain(task, sceneSeed, r, TIME_QUESTIONS.get(asked), yes);
      }
      case "palette" -> {
        if (!t.hasPalette()) return null;
        List<NamedColour> shown = new ArrayList<>(t.palette());
        if (!yes) {
          int swaps = 1 + rng.nextInt(2);
          for (int s = 0; s < swaps; s++) {
            List<NamedColour> others = new ArrayList<>(List.of(NamedColour.values()));
            others.removeAll(shown);
            others.removeAll(t.palette());
            shown.set(rng.nextInt(shown.size()), others.get(rng.nextInt(others.size())));
          }
        }
        Map<String, Object> params = Map.of("colors", shown.stream().map(NamedColour::hex).toList());
        return overlay(task, sceneSeed, r, template, yes, params, "solid", false);
      }
      case "line-weight" -> {
        if (!t.drawing()) return null;
        int asked = t.strokeWeight();
        if (!yes) while (asked == t.strokeWeight()) asked = Math.max(1, (int) Math.round((1 + rng.nextInt(4)) * t.width() / 64.0));
        return overlay(task, sceneSeed, r, template, yes, Map.of("value", asked), "solid", false);
      }
      case "horizon" -> {
        double u = Math.min(t.width(), t.height()) / 64.0, truth = t.horizonRow(), asked = truth;
        if (!yes) {
          // half of the negatives near misses (4-10 px at 64), half far off
          double off = rng.nextBoolean() ? (4 + 6 * rng.nextDouble()) * u : (0.12 + 0.28 * rng.nextDouble()) * t.height();
          asked = truth + (rng.nextBoolean() ? off : -off);
          if (asked < 2 * u || asked > t.height() - 2 * u) asked = truth + (asked < truth ? off : -off);
          if (asked < 2 * u || asked > t.height() - 2 * u) return null;
        }
        double value = Math.round(asked / t.height() * 1e4) / 1e4;
        boolean hack = !yes && rng.nextInt(4) == 0;
        SceneRenderer.Rendered shown = hack ? new SceneRenderer.Rendered(paintBand(r.image(), asked, u, rng), t) : r;
        return overlay(task, sceneSeed, shown, template, yes, Map.of("value", value), "transparent", hack);
      }
      case "depth" -> {
        double[] p = t.depthPair(rng);
        if (p == null) return null;
        String near = t.depthAt(p[0], p[1]) < t.depthAt(p[2], p[3]) ? "A" : "B";
        String named = yes ? near : near.equals("A") ? "B" : "A";
        String other = named.equals("A") ? "B" : "A";
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("a", List.of(round(p[0]), round(p[1])));
        params.put("b", List.of(round(p[2]), round(p[3])));
        params.put("closer", named);
        return overlay(task, sceneSeed, r, template.replace("{near}", named).replace("{far}", other), yes, params, "transparent", false);
      }
      default -> throw new IllegalArgumentException("unknown VQA task " + task);
    }
  }

  private static VqaItem plain(String task, long seed, SceneRenderer.Rendered r, String q, boolean yes) {
    return new VqaItem(task, seed, r.image(), r.truth(), q, yes, null, null, null, false);
  }

  private static VqaItem overlay(String task, long seed, SceneRenderer.Rendered r, String q, boolean yes,
                                 Map<String, Object> params, String mode, boolean hacked) {
    return new VqaItem(task, seed, r.image(), r.truth(), q, yes, task, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params)), mode, hacked);
  }

  private static String name(SceneObject o) { return o.colour().word + " " + o.kind().singular; }

  private static double round(double v) { return Math.round(v * 1e4) / 1e4; }

  /** A full-width band, 1-3 px at 64, centred on row y, in red or a random colour: what a reward hack paints. */
  static BufferedImage paintBand(BufferedImage scene, double y, double u, SplittableRandom rng) {
    int t = Math.max(1, (int) Math.round((1 + rng.nextInt(3)) * u));
    return Scrambles.bandAt(scene, y, t, rng.nextBoolean() ? 0xFF0000 : rng.nextInt(1 << 24));
  }
}
