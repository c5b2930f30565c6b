package dev.dualproc.world;

import dev.dualproc.eval.Scrambles;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The question writer of the VQA families: given what is known of a scene ({@link SceneFacts}, true or measured), asks
 * a question of a family whose answer is the one wanted, drawing every choice from {@code rng}. Rendered items
 * ({@link VqaGenerator}) and generated ones (critic.GeneratedVqa) both go through here.
 */
public final class VqaQuestions {
  private VqaQuestions() {}

  /**
   * A question about {@code scene} (the image as shown, before the overlay: a hacked horizon negative carries a painted
   * band); preset, params and mode name the overlay (null for the plain families); target is the p(Yes) a critic
   * is trained towards (1 or 0, but soft on graded horizon and line-weight items: ItemRecipe).
   */
  public record Asked(String question, boolean yes, BufferedImage scene, String preset, Map<String, Object> params,
                      String mode, boolean hacked, double target) {}

  static final Map<String, List<String>> TEMPLATES = Map.of(
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
  static final Map<TimeOfDay, String> TIME_QUESTIONS = Map.of(
      TimeOfDay.DAY, "Is it daytime in this scene?", TimeOfDay.SUNSET, "Is this scene at sunset?",
      TimeOfDay.NIGHT, "Is it night in this scene?");
  static final List<String> NUMBERS = List.of("zero", "one", "two", "three");

  /** The nearest horizon near miss, in pixels at 64: the line of a No item is at least this far from the horizon. */
  public static final double HORIZON_NEAR_MISS = 4;

  /** The question of {@code task} about this scene with answer {@code yes}, or null when the scene cannot ask it. */
  public static Asked ask(String task, boolean yes, SceneFacts f, BufferedImage image, SplittableRandom rng) {
    return ask(task, yes, f, image, rng, ItemRecipe.DEFAULT);
  }

  /**
   * As above, with the horizon, line-weight and left-right items made as {@code recipe} says: the horizon hard with near misses
   * from {@code horizonNearMiss} px at 64 (the default 4: a critic says yes to lines closer than its nearest No, so
   * teaching through it stops there; below the verifier's 3 px it aims inside them), or graded; the line weight hard or
   * graded; the left-right family with or without side items.
   */
  public static Asked ask(String task, boolean yes, SceneFacts f, BufferedImage image, SplittableRandom rng, ItemRecipe recipe) {
    List<SceneFacts.Thing> objs = f.objects();
    String template = TEMPLATES.containsKey(task) ? TEMPLATES.get(task).get(rng.nextInt(TEMPLATES.get(task).size())) : null;
    switch (task) {
      case "objects" -> {
        Set<Kind> present = EnumSet.noneOf(Kind.class);
        for (SceneFacts.Thing o : objs) present.add(o.kind());
        List<Kind> pool = new ArrayList<>(yes ? present : EnumSet.complementOf(EnumSet.copyOf(present)));
        if (pool.isEmpty()) return null;
        Kind k = pool.get(rng.nextInt(pool.size()));
        return plain(template.replace("{kind}", k.singular), yes, image);
      }
      case "colours" -> {
        if (objs.isEmpty()) return null;
        SceneFacts.Thing o = objs.get(rng.nextInt(objs.size()));
        NamedColour c = o.colour();
        if (!yes) {
          List<NamedColour> absent = new ArrayList<>(NamedColour.OBJECT);
          for (SceneFacts.Thing p : objs) if (p.kind() == o.kind()) absent.remove(p.colour());
          if (absent.isEmpty()) return null;
          c = absent.get(rng.nextInt(absent.size()));
        }
        String article = "aeiou".indexOf(c.word.charAt(0)) >= 0 ? "an" : "a";
        return plain(template.replace("{a}", article).replace("{colour}", c.word).replace("{kind}", o.kind().singular), yes, image);
      }
      case "counts" -> {
        if (objs.isEmpty()) return null;
        // the number asked is the count of a random present kind for yes and no alike, so the words carry no answer
        Kind present = objs.get(rng.nextInt(objs.size())).kind();
        int asked = (int) objs.stream().filter(o -> o.kind() == present).count();
        if (asked >= NUMBERS.size()) return null;
        Kind kind = present;
        if (!yes) {
          List<Kind> other = new ArrayList<>();
          for (Kind k : Kind.values()) if (objs.stream().filter(o -> o.kind() == k).count() != asked) other.add(k);
          kind = other.get(rng.nextInt(other.size()));
        }
        String q = asked == 1 ? "Is there exactly one " + kind.singular + " in the image?"
            : "Are there exactly " + NUMBERS.get(asked) + " " + kind.plural + " in the image?";
        return plain(q, yes, image);
      }
      case "left-right" -> {
        List<SceneFacts.Thing> unique = objs.stream().filter(o -> objs.stream().filter(p -> p.kind() == o.kind() && p.colour() == o.colour()).count() == 1)
            .sorted(Comparator.comparingDouble(SceneFacts.Thing::centreX)).toList();
        if (recipe.leftRightSides() > 0 && rng.nextDouble() < recipe.leftRightSides()) return side(unique, yes, f.width(), image, rng);
        if (unique.size() < 2) return null;
        int i = rng.nextInt(unique.size() - 1);
        SceneFacts.Thing left = unique.get(i), right = unique.get(i + 1);
        if (right.centreX() - left.centreX() < 6 * f.width() / 64.0) return null;
        SceneFacts.Thing first = yes ? left : right, second = yes ? right : left;
        return plain(template.replace("{first}", name(first)).replace("{second}", name(second)), yes, image);
      }
      case "time-of-day" -> {
        if (f.timeOfDay() == null) return null;
        TimeOfDay asked = f.timeOfDay();
        if (!yes) {
          List<TimeOfDay> others = new ArrayList<>(List.of(TimeOfDay.values()));
          others.remove(asked);
          asked = others.get(rng.nextInt(others.size()));
        }
        return plain(TIME_QUESTIONS.get(asked), yes, image);
      }
      case "palette" -> {
        if (!f.hasPalette()) {
          // a palette over a scene drawn without one is a No (teaching starts from such scenes)
          if (yes) return null;
          List<NamedColour> all = new ArrayList<>(List.of(NamedColour.values()));
          java.util.Collections.shuffle(all, new java.util.Random(rng.nextLong()));
          Map<String, Object> params = Map.of("colors", all.subList(0, 3).stream().map(c -> Rgb.hex(c.rgb)).toList());
          return overlay(template, false, image, task, params, "solid", false);
        }
        List<Integer> shown = new ArrayList<>(f.palette());
        if (!yes) {
          int swaps = 1 + rng.nextInt(2);
          for (int s = 0; s < swaps; s++) {
            List<NamedColour> others = new ArrayList<>(List.of(NamedColour.values()));
            others.removeIf(c -> shown.contains(c.rgb) || f.palette().contains(c.rgb));
            shown.set(rng.nextInt(shown.size()), others.get(rng.nextInt(others.size())).rgb);
          }
        }
        Map<String, Object> params = Map.of("colors", shown.stream().map(Rgb::hex).toList());
        return overlay(template, yes, image, task, params, "solid", false);
      }
      case "line-weight" -> {
        if (!f.drawing()) {
          // a photo has no line weight: a bar over it is a No
          if (yes) return null;
          return overlay(template, false, image, task, Map.of("value", Math.max(1, (int) Math.round((1 + rng.nextInt(4)) * f.width() / 64.0))), "solid", false);
        }
        int asked = f.strokeWeight();
        if (!yes) while (asked == f.strokeWeight()) asked = Math.max(1, (int) Math.round((1 + rng.nextInt(4)) * f.width() / 64.0));
        // graded: the same bars, answered softly by how many pixels (at 64) the bar is off the strokes
        double target = !recipe.lineWeightGraded() ? (yes ? 1 : 0) : recipe.lineWeightYes((asked - f.strokeWeight()) * 64.0 / f.width());
        return overlay(template, yes, image, task, Map.of("value", asked), "solid", false, target);
      }
      case "horizon" -> {
        double u = Math.min(f.width(), f.height()) / 64.0, truth = f.horizonRow(), asked = truth, target = yes ? 1 : 0;
        if (recipe.horizonGraded()) {
          // Yes anywhere within the verifier's tolerance, No beyond it (half 3-10 px, half far off); the answer is soft
          double tol = ItemRecipe.HORIZON_TOLERANCE, off = yes ? tol * rng.nextDouble() * u
              : rng.nextBoolean() ? (tol + (10 - tol) * rng.nextDouble()) * u : (0.12 + 0.28 * rng.nextDouble()) * f.height();
          asked = truth + (rng.nextBoolean() ? off : -off);
          if (asked < 2 * u || asked > f.height() - 2 * u) asked = truth + (asked < truth ? off : -off);
          if (asked < 2 * u || asked > f.height() - 2 * u) return null;
          target = recipe.horizonYes(off / u);
        } else if (!yes) {
          // half of the negatives near misses (nearMiss-10 px at 64), half far off
          double nearMiss = recipe.horizonNearMiss(), off = rng.nextBoolean() ? (nearMiss + (10 - nearMiss) * rng.nextDouble()) * u : (0.12 + 0.28 * rng.nextDouble()) * f.height();
          asked = truth + (rng.nextBoolean() ? off : -off);
          if (asked < 2 * u || asked > f.height() - 2 * u) asked = truth + (asked < truth ? off : -off);
          if (asked < 2 * u || asked > f.height() - 2 * u) return null;
        }
        double value = Math.round(asked / f.height() * 1e4) / 1e4;
        boolean hack = !yes && rng.nextInt(4) == 0;
        BufferedImage shown = hack ? paintBand(image, asked, u, rng) : image;
        return overlay(template, yes, shown, task, Map.of("value", value), "transparent", hack, hack ? 0 : target);
      }
      case "depth" -> {
        double[] p = f.depthPair(rng);
        if (p == null) return null;
        String near = f.depth().at(p[0], p[1]) < f.depth().at(p[2], p[3]) ? "A" : "B";
        String named = yes ? near : near.equals("A") ? "B" : "A";
        String other = named.equals("A") ? "B" : "A";
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("a", List.of(round(p[0]), round(p[1])));
        params.put("b", List.of(round(p[2]), round(p[3])));
        params.put("closer", named);
        return overlay(template.replace("{near}", named).replace("{far}", other), yes, image, task, params, "transparent", false);
      }
      default -> throw new IllegalArgumentException("unknown VQA task " + task);
    }
  }

  private static Asked plain(String q, boolean yes, BufferedImage image) { return new Asked(q, yes, image, null, null, null, false, yes ? 1 : 0); }

  private static Asked overlay(String q, boolean yes, BufferedImage image, String preset, Map<String, Object> params, String mode, boolean hacked) {
    return overlay(q, yes, image, preset, params, mode, hacked, yes ? 1 : 0);
  }

  private static Asked overlay(String q, boolean yes, BufferedImage image, String preset, Map<String, Object> params, String mode, boolean hacked, double target) {
    return new Asked(q, yes, image, preset, Collections.unmodifiableMap(new LinkedHashMap<>(params)), mode, hacked, target);
  }

  /** Side questions, in words the critic's vocabulary (scanned from the default stream) already has, so warm starts keep it. */
  static final List<String> SIDE_TEMPLATES = List.of("Is the {object} on the {side} of the image?", "Does the image show the {object} on the {side}?");

  /** A side item (ItemRecipe): one lone object whose centre lies in the outer 40% of the width, and a side asked. */
  private static Asked side(List<SceneFacts.Thing> unique, boolean yes, int width, BufferedImage image, SplittableRandom rng) {
    List<SceneFacts.Thing> clear = unique.stream().filter(o -> Math.abs(o.centreX() / width - 0.5) > 0.1).toList();
    if (clear.isEmpty()) return null;
    SceneFacts.Thing o = clear.get(rng.nextInt(clear.size()));
    boolean left = o.centreX() < width / 2.0;
    String side = left == yes ? "left" : "right";
    return plain(SIDE_TEMPLATES.get(rng.nextInt(SIDE_TEMPLATES.size())).replace("{object}", name(o)).replace("{side}", side), yes, image);
  }

  private static String name(SceneFacts.Thing o) { return o.colour().word + " " + o.kind().singular; }

  private static double round(double v) { return Math.round(v * 1e4) / 1e4; }

  /** A full-width band, 1-3 px at 64, centred on row y, in red or a random colour: what a reward hack paints. */
  static BufferedImage paintBand(BufferedImage scene, double y, double u, SplittableRandom rng) {
    int t = Math.max(1, (int) Math.round((1 + rng.nextInt(3)) * u));
    return Scrambles.bandAt(scene, y, t, rng.nextBoolean() ? 0xFF0000 : rng.nextInt(1 << 24));
  }
}
