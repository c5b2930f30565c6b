package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.eval.DetectedObject;
import java.util.List;

/** Re-derives a plain (overlay-free) VQA answer from the objects a detector found, independently of the question writer. */
public final class PlainAnswers {
  private PlainAnswers() {}

  /**
   * Asserts the answer of an objects, colours, counts or left-right item against {@code found}; false for other
   * families (the caller checks those). {@code countWords} name the counts 0, 1, ...; larger counts take the last.
   */
  public static boolean check(VqaItem it, List<DetectedObject> found, String what, List<String> countWords) {
    String q = it.question();
    switch (it.task()) {
      case "objects" -> assertThat(found.stream().anyMatch(o -> has(q, o.kind().singular))).as(what).isEqualTo(it.yes());
      case "colours" -> assertThat(found.stream().anyMatch(o -> has(q, o.colour().word + " " + o.kind().singular))).as(what).isEqualTo(it.yes());
      case "counts" -> {
        Kind k = java.util.Arrays.stream(Kind.values()).filter(x -> has(q, x.singular) || has(q, x.plural)).findFirst().orElseThrow();
        int n = (int) found.stream().filter(o -> o.kind() == k).count();
        String word = countWords.get(Math.min(countWords.size() - 1, n));
        assertThat(has(q, word)).as(what + " found " + n).isEqualTo(it.yes());
      }
      case "left-right" -> {
        DetectedObject first = null, second = null;
        int firstAt = Integer.MAX_VALUE, secondAt = Integer.MAX_VALUE;
        for (DetectedObject o : found) {
          int at = q.indexOf(o.colour().word + " " + o.kind().singular);
          if (at >= 0 && at < firstAt) { second = first; secondAt = firstAt; first = o; firstAt = at; }
          else if (at >= 0 && at < secondAt) { second = o; secondAt = at; }
        }
        assertThat(first).as(what).isNotNull();
        assertThat(second).as(what).isNotNull();
        boolean leftOf = first.x0() + first.x1() < second.x0() + second.x1();
        assertThat(q.contains("to the left of") == leftOf).as(what).isEqualTo(it.yes());
      }
      default -> { return false; }
    }
    return true;
  }

  public static boolean has(String question, String phrase) {
    return java.util.regex.Pattern.compile("\\b" + phrase + "\\b").matcher(question).find();
  }
}
