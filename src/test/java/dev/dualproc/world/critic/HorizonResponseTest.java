package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.tasks.Overlays;
import dev.dualproc.world.SceneRenderer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The horizon response curve: the critic's own p at each distance, the line where the curve says it is. */
class HorizonResponseTest {
  @TempDir Path dir;

  @Test void oneSceneGivesTheCriticsOwnAnswerAtEachDistance() {
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("state"), CriticConfig.micro(), 3, Placement.cpu())) {
      IdeficsCritic c = t.critic();
      HorizonResponse h = HorizonResponse.measure(c, 1);
      assertThat(h.distances()).containsExactly(HorizonResponse.DISTANCES);
      SceneRenderer.Rendered r = SceneRenderer.render(HorizonResponse.FIRST_SEED, 64, 64);
      double row0 = r.truth().horizonRow();
      for (int i = 0; i < h.distances().length; i++) {
        double d = h.distances()[i], row = row0 - d >= 2 ? row0 - d : row0 + d; // scene 0: above the horizon where it fits
        var image = Overlays.transparent(r.image(), Overlays.render("horizon", Map.of("value", row / 64), 64, 64));
        double p;
        try (NoGradGuard g = new NoGradGuard()) {
          p = c.answer(Images.toTensor(image), c.prepare(HorizonResponse.QUESTION, "Yes")).p();
        }
        assertThat(h.meanP()[i]).as("p at %.0f px", d).isCloseTo(p, offset(1e-4));
        assertThat(h.meanLogP()[i]).isCloseTo(Math.log(p), offset(1e-3));
        if (row0 + d <= 62) { // the same question with the line that far below the horizon, on the ground
          var under = Overlays.transparent(r.image(), Overlays.render("horizon", Map.of("value", (row0 + d) / 64), 64, 64));
          double q;
          try (NoGradGuard g = new NoGradGuard()) {
            q = c.answer(Images.toTensor(under), c.prepare(HorizonResponse.QUESTION, "Yes")).p();
          }
          assertThat(h.meanLogPBelow()[i]).as("below at %.0f px", d).isCloseTo(Math.log(q), offset(1e-3));
        }
        if (row0 - d >= 2) assertThat(h.meanLogPAbove()[i]).isCloseTo(Math.log(p), offset(1e-3));
      }
      assertThat(h.table()).contains("| 20 |").contains("mean log p(Yes)").contains("line below (ground)");
    }
  }
}
