package dev.dualproc.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.Captions;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.SceneTruth;
import dev.dualproc.world.Style;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each verifier, through the agreed forControl API, on rendered positives and negatives (test seeds 30,000+). */
class VerifiersTest {
  static final long FIRST = 30_000;
  static final int N = 60;

  static Verdict judge(String preset, Map<String, Object> params, String prompt, BufferedImage img) {
    return Verifiers.forControl(preset, params, prompt).orElseThrow().judge(img);
  }

  @Test void horizon() {
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed);
      double truth = r.truth().horizonFraction();
      Verdict yes = judge("horizon", Map.of("value", truth), null, r.image());
      assertThat(yes.passAndValid()).as("seed %d: %s", seed, yes.measured()).isTrue();
      double wrong = truth > 0.5 ? truth - 0.15 : truth + 0.15;
      assertThat(judge("horizon", Map.of("value", wrong), null, r.image()).pass()).as("seed %d", seed).isFalse();
    }
  }

  @Test void lineWeight() {
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed, 64, 64, new SceneRenderer.Options(Style.DRAWING, null));
      int w = r.truth().strokeWeight();
      Verdict yes = judge("line-weight", Map.of("value", w), null, r.image());
      assertThat(yes.passAndValid()).as("seed %d weight %d: %s", seed, w, yes.measured()).isTrue();
      assertThat(judge("line-weight", Map.of("value", w == 1 ? 2 : w - 1), null, r.image()).pass()).isFalse();
      assertThat(judge("line-weight", Map.of("value", w + 1), null, r.image()).pass()).isFalse();
    }
    // a photo has no lines of any weight
    SceneRenderer.Rendered photo = SceneRenderer.render(FIRST, 64, 64, new SceneRenderer.Options(Style.PHOTO, false));
    for (int w = 1; w <= 4; w++) assertThat(judge("line-weight", Map.of("value", w), null, photo.image()).pass()).isFalse();
  }

  @Test void palette() {
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed, 64, 64, new SceneRenderer.Options(null, true));
      List<NamedColour> pal = r.truth().palette();
      List<String> hex = pal.stream().map(NamedColour::hex).toList();
      Verdict yes = judge("palette", Map.of("colors", hex), null, r.image());
      assertThat(yes.passAndValid()).as("seed %d %s: %s", seed, hex, yes.measured()).isTrue();
      // one colour swapped for one the image does not use
      NamedColour other = java.util.Arrays.stream(NamedColour.values()).filter(c -> !pal.contains(c)).findFirst().orElseThrow();
      List<String> wrong = new java.util.ArrayList<>(hex);
      wrong.set((int) (seed % hex.size()), other.hex());
      assertThat(judge("palette", Map.of("colors", wrong), null, r.image()).pass()).as("seed %d %s", seed, wrong).isFalse();
    }
    // a photo's gradients are not a palette of named colours
    SceneRenderer.Rendered photo = SceneRenderer.render(FIRST, 64, 64, new SceneRenderer.Options(Style.PHOTO, false));
    assertThat(judge("palette", Map.of("colors", List.of("#D72626", "#23B941", "#2855E1")), null, photo.image()).pass()).isFalse();
  }

  @Test void depth() {
    int asked = 0;
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed);
      SceneTruth t = r.truth();
      double[] p = t.depthPair(new SplittableRandom(seed));
      if (p == null) continue;
      asked++;
      String near = t.depthAt(p[0], p[1]) < t.depthAt(p[2], p[3]) ? "A" : "B", far = near.equals("A") ? "B" : "A";
      Map<String, Object> params = Map.of("a", List.of(p[0], p[1]), "b", List.of(p[2], p[3]));
      Verdict yes = judge("depth", with(params, near), null, r.image());
      assertThat(yes.passAndValid()).as("seed %d %s: %s", seed, java.util.Arrays.toString(p), yes.measured()).isTrue();
      assertThat(judge("depth", with(params, far), null, r.image()).pass()).isFalse();
    }
    assertThat(asked).isGreaterThan(N / 2);
  }

  private static Map<String, Object> with(Map<String, Object> params, String closer) {
    Map<String, Object> m = new java.util.HashMap<>(params);
    m.put("closer", closer);
    return m;
  }

  /** The kinds come from a learned network (KindNet, 99.6% of held-out scenes): one miss in the N scenes is allowed, no false pass. */
  @Test void objectsWithColoursAndCounts() {
    List<String> misses = new java.util.ArrayList<>();
    for (long seed = FIRST; seed < FIRST + N; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed);
      String caption = Captions.caption(r.truth());
      Verdict yes = judge("objects", null, caption, r.image());
      assertThat(yes.validScene()).as("seed %d", seed).isTrue();
      if (!yes.pass()) misses.add("seed " + seed + " '" + caption + "': " + yes.measured().get("objects"));
      String recoloured = r.truth().objects().isEmpty() ? null : recolour(caption, r.truth().objects().get(0).colour());
      if (recoloured != null) assertThat(judge("objects", null, recoloured, r.image()).pass()).as("'%s'", recoloured).isFalse();
      assertThat(judge("objects", null, caption + " and a red car and a red car", r.image()).pass()).isFalse();
    }
    assertThat(misses).hasSizeLessThanOrEqualTo(1);
  }

  private static String recolour(String caption, NamedColour c) {
    NamedColour to = c == NamedColour.BLUE ? NamedColour.ORANGE : NamedColour.BLUE;
    String out = caption.replaceFirst("\\b" + c.word + "\\b", to.word);
    return out.startsWith("an " + to.word) || out.startsWith("a " + to.word) ? out.replaceFirst("^an? ", to.word.matches("[aeiou].*") ? "an " : "a ") : out;
  }

  @Test void aControlPassesOnlyOnAValidScene() {
    SceneRenderer.Rendered r = SceneRenderer.render(FIRST);
    double truth = r.truth().horizonFraction();
    // the reward hack: the image is replaced by bands with an edge at the target row
    BufferedImage hacked = Scrambles.stripes(r.image(), new SplittableRandom(1));
    Verdict v = judge("horizon", Map.of("value", truth), null, hacked);
    assertThat(v.validScene()).isFalse();
    assertThat(v.passAndValid()).isFalse();
    assertThat(v.measured()).containsKeys("valid", "validity", "horizonRow");
  }

  @Test void forControlParsesTheAgreedParamsAndNamesBadOnes() {
    assertThat(Verifiers.forControl("free", Map.of(), "a red ball")).isEmpty();
    assertThat(Verifiers.forControl("horizon", Map.of("value", "0.4"), null)).get().isInstanceOf(HorizonVerifier.class);
    assertThat(Verifiers.forControl("depth", Map.of("a", List.of(0.1, 0.9), "b", List.of(0.5, 0.5), "closer", "a closer"), null))
        .get().isEqualTo(new DepthVerifier(0.1, 0.9, 0.5, 0.5, "A"));
    assertThatThrownBy(() -> Verifiers.forControl("horizon", Map.of("value", "high"), null))
        .isInstanceOf(DualprocException.class).hasMessageContaining("horizon.value");
    assertThatThrownBy(() -> Verifiers.forControl("palette", Map.of("colors", List.of("#FF0000")), null))
        .isInstanceOf(DualprocException.class).hasMessageContaining("palette.colors");
    assertThatThrownBy(() -> Verifiers.forControl("depth", Map.of("a", List.of(0.1, 0.9), "b", List.of(0.5, 0.5), "closer", "C"), null))
        .isInstanceOf(DualprocException.class).hasMessageContaining("depth.closer");
  }
}
