package dev.dualproc.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Captions of scenes, and their parser. A caption names the style, the objects (grouped by kind and colour, left to
 * right), the ground and the time of day; never the horizon height, stroke weight or palette, so teaching can control
 * those. Palette scenes say no ground or time of day (their colours are the palette's).
 * Example: "a drawing of a red house and two green trees on grass at sunset".
 */
public final class Captions {
  private Captions() {}

  public static final String DRAWING_PREFIX = "a drawing of";
  public static final List<String> COUNT_WORDS = List.of("a", "two", "three");
  private static final List<String> FUNCTION_WORDS = List.of("a", "an", "and", "of", "on", "at", "during", "the", "drawing");

  /** Every word a caption can contain. */
  public static final List<String> VOCABULARY = vocabulary();

  public static String caption(SceneTruth t) {
    Map<String, CaptionSpec.Group> groups = new LinkedHashMap<>();
    t.objects().stream().sorted(Comparator.comparingDouble(SceneObject::centreX)).forEach(o -> groups.merge(
        o.kind() + "/" + o.colour(), new CaptionSpec.Group(o.kind(), o.colour(), 1),
        (a, b) -> new CaptionSpec.Group(a.kind(), a.colour(), a.count() + 1)));
    return caption(new CaptionSpec(t.style(), List.copyOf(groups.values()), t.ground(), t.timeOfDay(), List.of()));
  }

  public static String caption(CaptionSpec spec) {
    List<String> parts = spec.groups().stream().map(Captions::phrase).toList();
    StringBuilder sb = new StringBuilder();
    if (spec.style() == Style.DRAWING) sb.append(DRAWING_PREFIX).append(' ');
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) sb.append(i == parts.size() - 1 ? " and " : ", ");
      sb.append(parts.get(i));
    }
    if (spec.ground() != null) sb.append(" on ").append(spec.ground().word());
    if (spec.timeOfDay() != null) sb.append(' ').append(spec.timeOfDay().phrase);
    return sb.toString();
  }

  static String phrase(CaptionSpec.Group g) {
    if (g.count() < 1 || g.count() > 3) throw new IllegalArgumentException("object count must be 1-3, got " + g.count());
    String colour = g.colour().word;
    if (g.count() == 1) return ("aeiou".indexOf(colour.charAt(0)) >= 0 ? "an " : "a ") + colour + " " + g.kind().singular;
    return COUNT_WORDS.get(g.count() - 1) + " " + colour + " " + g.kind().plural;
  }

  /**
   * Recovers what a caption says. Lenient: words it does not know are listed, not fatal, so free-form prompts parse to
   * whatever of the world they mention. A group is a count word (a, an, one, two, three; optional), a colour and a kind.
   */
  /**
   * The caption with every kind word replaced by the next kind's (in {@link Kind} order, singular or plural as it was),
   * everything else kept: the same scene asked for with other kinds.
   */
  public static String kindsRotated(String caption) {
    StringBuilder b = new StringBuilder();
    for (String w : caption.split(" ", -1)) {
      String out = Kind.byWord(w).map(k -> {
        Kind next = Kind.values()[(k.ordinal() + 1) % Kind.values().length];
        return w.equals(k.singular) ? next.singular : next.plural;
      }).orElse(w);
      b.append(b.isEmpty() ? "" : " ").append(out);
    }
    return b.toString();
  }

  public static CaptionSpec parse(String caption) {
    String text = caption == null ? "" : caption.toLowerCase(Locale.ROOT).replaceAll("[^a-z ]", " ").trim();
    String[] tokens = text.isEmpty() ? new String[0] : text.split("\\s+");
    Style style = text.startsWith(DRAWING_PREFIX) || text.contains(" drawing ") ? Style.DRAWING : Style.PHOTO;
    Map<String, CaptionSpec.Group> groups = new LinkedHashMap<>();
    Ground ground = null;
    TimeOfDay time = null;
    List<String> unknown = new ArrayList<>();
    int count = 1;
    NamedColour colour = null;
    for (String tok : tokens) {
      int n = countOf(tok);
      var c = NamedColour.byWord(tok).filter(x -> x.objectColour);
      var k = Kind.byWord(tok);
      var gr = Ground.byWord(tok);
      var td = TimeOfDay.byKeyword(tok);
      if (n > 0) {
        count = n;
        colour = null;
      } else if (c.isPresent()) {
        colour = c.get();
      } else if (k.isPresent() && colour != null) {
        Kind kind = k.get();
        int add = count;
        groups.merge(kind + "/" + colour, new CaptionSpec.Group(kind, colour, add),
            (a, b) -> new CaptionSpec.Group(a.kind(), a.colour(), a.count() + b.count()));
        count = 1;
        colour = null;
      } else if (gr.isPresent()) {
        ground = gr.get();
      } else if (td.isPresent()) {
        time = td.get();
      } else if (!FUNCTION_WORDS.contains(tok)) {
        unknown.add(tok);
      }
    }
    return new CaptionSpec(style, List.copyOf(groups.values()), ground, time, List.copyOf(unknown));
  }

  private static int countOf(String tok) {
    return switch (tok) {
      case "a", "an", "one" -> 1;
      case "two" -> 2;
      case "three" -> 3;
      default -> 0;
    };
  }

  private static List<String> vocabulary() {
    TreeSet<String> words = new TreeSet<>(FUNCTION_WORDS);
    words.addAll(COUNT_WORDS);
    for (NamedColour c : NamedColour.OBJECT) words.add(c.word);
    for (Kind k : Kind.values()) {
      words.add(k.singular);
      words.add(k.plural);
    }
    for (Ground g : Ground.values()) words.add(g.word());
    for (TimeOfDay t : TimeOfDay.values()) words.addAll(List.of(t.phrase.split(" ")));
    return List.copyOf(words);
  }
}
