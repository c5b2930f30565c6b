package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Placement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timestep rule: one step from noise (schnell-like) or uniform over the sampling steps, resumable from its state. */
class TimestepsTest {
  @TempDir Path tmp;

  @Test void autoPicksOneStepForSchnellLikeGeneratorsAndUniformOtherwise() throws Exception {
    Generator one = TinyModels.MODELS.generator().apply(TinyModels.generatorFolder(tmp, 1, 1, 0).toString(), Placement.cpu());
    Generator four = TinyModels.MODELS.generator().apply(TinyModels.generatorFolder(tmp, 1, 4, 0).toString(), Placement.cpu());
    Timesteps a = new Timesteps("auto", one, 0), b = new Timesteps("auto", four, 0), c = new Timesteps("one-step", four, 0);
    assertThat(a.rule()).isEqualTo("one-step");
    assertThat(b.rule()).isEqualTo("uniform");
    List<Integer> seen = new ArrayList<>();
    for (int k = 0; k < 200; k++) { assertThat(a.next()).isZero(); assertThat(c.next()).isZero(); seen.add(b.next()); }
    assertThat(seen).allMatch(i -> i >= 0 && i < 4).contains(0, 1, 2, 3);
  }

  @Test void aRestoredStateContinuesTheSameDraws() throws Exception {
    Generator four = TinyModels.MODELS.generator().apply(TinyModels.generatorFolder(tmp, 1, 8, 0).toString(), Placement.cpu());
    Timesteps a = new Timesteps("uniform", four, 5);
    for (int k = 0; k < 7; k++) a.next();
    Timesteps b = new Timesteps("uniform", four, 5);
    b.restore(a.state());
    for (int k = 0; k < 20; k++) assertThat(b.next()).isEqualTo(a.next());
  }
}
