package dev.dualproc.world.critic;

import dev.dualproc.world.NamedColour;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneTruth;
import dev.dualproc.world.VqaItem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The answer of the critic's caption items: a dense description of the image the critic sees, naming every quantity the
 * question families ask about (time of day, ground, style and stroke weight, horizon row, palette, each object's colour,
 * kind and place, and the overlay: line row, bar weight, palette strip, depth points and which is nearer, a painted
 * band). A yes/no answer carries one bit per image; this carries dozens, so the vision features learn to measure what
 * the questions then compare (generator captions never name horizon, stroke or palette; this text is only the critic's).
 * Rows and columns are given in bins of {@link #BINS} across the image, so the words do not depend on its size.
 */
public final class DenseCaption {
  private DenseCaption() {}

  /** Positions are quantised to 1/32 of the image: 2 px at 64, finer than the 3 px the horizon verifier allows. */
  static final int BINS = 32;

  /** Every word a dense caption uses beyond the kind, colour and caption words: the bin numbers and the labels. */
  public static final List<String> VOCABULARY = vocabulary();

  private static List<String> vocabulary() {
    List<String> w = new ArrayList<>(List.of(".", "day", "sunset", "night", "photo", "drawing", "horizon", "palette",
        "sun", "moon", "line", "bar", "strip", "band", "A", "B", "nearer"));
    for (int i = 0; i <= BINS; i++) w.add(Integer.toString(i));
    return List.copyOf(w);
  }

  /** The description of {@code item.image()}: the scene, then its overlay, then a painted band if the item has one. */
  public static String of(VqaItem item) {
    SceneTruth t = item.truth();
    StringJoiner s = new StringJoiner(" ");
    if (t.hasPalette()) {
      s.add("palette");
      for (NamedColour c : t.palette()) s.add(c.word);
    } else {
      s.add(t.timeOfDay().name().toLowerCase(Locale.ROOT)).add(t.ground().word());
    }
    s.add(".").add(t.drawing() ? "drawing " + t.strokeWeight() : "photo");
    s.add(".").add("horizon").add(row(t.horizonRow(), t.height()));
    for (SceneObject o : t.objects().stream().sorted(Comparator.comparingDouble(SceneObject::centreX)).toList())
      s.add(".").add(o.colour().word).add(o.kind().singular).add(column(o.centreX(), t.width())).add(row(o.baseRow(), t.height()));
    if (t.celestial() != null) s.add(".").add(t.celestial().kind().toLowerCase(Locale.ROOT));
    if (item.hasOverlay()) s.add(".").add(overlay(item.overlayPreset(), item.overlayParams(), t));
    if (item.hacked()) s.add(".").add("band").add(row(number(item.overlayParams().get("value")) * t.height(), t.height()));
    return s.toString();
  }

  private static String overlay(String preset, Map<String, Object> p, SceneTruth t) {
    return switch (preset) {
      case "horizon" -> "line " + row(number(p.get("value")) * t.height(), t.height());
      case "line-weight" -> "bar " + Math.round(number(p.get("value")));
      case "palette" -> "strip " + String.join(" ", ((List<?>) p.get("colors")).stream().map(c -> colourWord(c.toString())).toList());
      case "depth" -> {
        double[] a = point(p.get("a")), b = point(p.get("b"));
        String nearer = t.depthAt(a[0], a[1]) < t.depthAt(b[0], b[1]) ? "A" : "B";
        yield "A " + column(a[0] * t.width(), t.width()) + " " + row(a[1] * t.height(), t.height())
            + " B " + column(b[0] * t.width(), t.width()) + " " + row(b[1] * t.height(), t.height()) + " " + nearer + " nearer";
      }
      default -> throw new IllegalArgumentException("no dense caption for overlay preset " + preset);
    };
  }

  private static String row(double y, int height) { return bin(y / height); }
  private static String column(double x, int width) { return bin(x / width); }
  private static String bin(double fraction) { return Integer.toString((int) Math.max(0, Math.min(BINS, Math.floor(fraction * BINS)))); }

  private static double number(Object o) { return ((Number) o).doubleValue(); }

  private static double[] point(Object o) {
    List<?> l = (List<?>) o;
    return new double[] {number(l.get(0)), number(l.get(1))};
  }

  /** A palette swatch's colour word: the named colour with that RGB, else the nearest one. */
  private static String colourWord(String hex) {
    int rgb = Integer.parseInt(hex.startsWith("#") ? hex.substring(1) : hex, 16);
    NamedColour best = null;
    long bestD = Long.MAX_VALUE;
    for (NamedColour c : NamedColour.values()) {
      int dr = ((c.rgb >> 16) & 255) - ((rgb >> 16) & 255), dg = ((c.rgb >> 8) & 255) - ((rgb >> 8) & 255), db = (c.rgb & 255) - (rgb & 255);
      long d = (long) dr * dr + (long) dg * dg + (long) db * db;
      if (d < bestD) { bestD = d; best = c; }
    }
    return best.word;
  }
}
