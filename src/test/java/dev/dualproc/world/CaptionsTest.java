package dev.dualproc.world;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptionsTest {
  @Test void kindsRotatedSwapsEveryKindWordKeepingNumberAndTheRest() {
    assertThat(Captions.kindsRotated("a drawing of a red house and two green trees at sunset"))
        .isEqualTo("a drawing of a red rock and two green houses at sunset");
    assertThat(Captions.kindsRotated("three white people and a blue car on snow")).isEqualTo("three white cars and a blue tree on snow");
    String c = "a yellow ball on sand during the day";
    String once = Captions.kindsRotated(c);
    assertThat(once).isNotEqualTo(c);
    assertThat(Captions.parse(once).unknownWords()).isEmpty(); // still a caption of the world
    assertThat(Captions.parse(once).groups().getFirst().kind()).isEqualTo(Kind.PERSON);
  }

  @Test void captionsNameObjectsStyleGroundAndTimeButNeverTheFreeVariables() {
    for (long seed = SceneRendererTest.FIRST; seed < SceneRendererTest.FIRST + 300; seed++) {
      SceneTruth t = SceneRenderer.render(seed).truth();
      String caption = Captions.caption(t);
      assertThat(caption).as("seed %d", seed).doesNotContainIgnoringCase("horizon").doesNotContainIgnoringCase("stroke")
          .doesNotContainIgnoringCase("palette").doesNotContainIgnoringCase("line").doesNotContainIgnoringCase("thick")
          .doesNotContainPattern("\\d");
      for (String word : caption.replace(",", "").split(" ")) assertThat(Captions.VOCABULARY).as("'%s' in '%s'", word, caption).contains(word);
      CaptionSpec spec = Captions.parse(caption);
      assertThat(spec.unknownWords()).isEmpty();
      assertThat(spec.style()).isEqualTo(t.style());
      assertThat(spec.ground()).isEqualTo(t.ground());
      assertThat(spec.timeOfDay()).isEqualTo(t.timeOfDay());
      Map<String, Integer> truth = new HashMap<>(), parsed = new HashMap<>();
      t.objects().forEach(o -> truth.merge(o.colour() + " " + o.kind(), 1, Integer::sum));
      spec.groups().forEach(g -> parsed.merge(g.colour() + " " + g.kind(), g.count(), Integer::sum));
      assertThat(parsed).as("'%s'", caption).isEqualTo(truth);
    }
  }

  @Test void writesTheIssuesExampleAndParsesFreeFormPrompts() {
    CaptionSpec spec = new CaptionSpec(Style.DRAWING, List.of(new CaptionSpec.Group(Kind.HOUSE, NamedColour.RED, 1),
        new CaptionSpec.Group(Kind.TREE, NamedColour.GREEN, 2)), null, TimeOfDay.SUNSET, List.of());
    assertThat(Captions.caption(spec)).isEqualTo("a drawing of a red house and two green trees at sunset");
    CaptionSpec p = Captions.parse("A red house and a yellow ball at sunset, please!");
    assertThat(p.groups()).containsExactly(new CaptionSpec.Group(Kind.HOUSE, NamedColour.RED, 1),
        new CaptionSpec.Group(Kind.BALL, NamedColour.YELLOW, 1));
    assertThat(p.timeOfDay()).isEqualTo(TimeOfDay.SUNSET);
    assertThat(p.style()).isEqualTo(Style.PHOTO);
    assertThat(p.unknownWords()).containsExactly("please");
  }
}
