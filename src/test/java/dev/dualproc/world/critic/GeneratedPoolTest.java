package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.distill.Generator;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.flux.TinyFlux;
import dev.dualproc.world.Canvas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training pool is made once per generator: reused as it is, completed when a file is missing, remade for other weights. */
class GeneratedPoolTest {
  @TempDir Path dir;

  @Test void poolIsReusedAndRemadeWhenTheGeneratorChanges() throws Exception {
    Path a = dir.resolve("a"), b = dir.resolve("b"), pool = dir.resolve("state").resolve("generated-pool");
    TinyFlux.write(a, 7);
    TinyFlux.write(b, 8);
    AtomicInteger opened = new AtomicInteger();
    List<String> log = new ArrayList<>();

    GeneratedPool first = GeneratedPool.cached(pool, a, opener(a, opened), 3, log::add);
    assertThat(opened).hasValue(1);
    assertThat(first.seeds()).containsExactly(GeneratedPool.TRAIN_FIRST_SEED, GeneratedPool.TRAIN_FIRST_SEED + 1, GeneratedPool.TRAIN_FIRST_SEED + 2);
    assertThat(first.captions().get(0)).isEqualTo(GeneratedPool.caption(GeneratedPool.TRAIN_FIRST_SEED));
    assertThat(pool.resolve("pool.json")).content().contains(GeneratedPool.weightsKey(a)).contains("\"count\":3");

    GeneratedPool again = GeneratedPool.cached(pool, a, opener(a, opened), 3, log::add);
    assertThat(opened).as("a complete pool of the same weights opens no generator").hasValue(1);
    for (int k = 0; k < 3; k++) assertThat(Canvas.pixels(again.images().get(k))).isEqualTo(Canvas.pixels(first.images().get(k)));

    Files.delete(pool.resolve("000001.png"));
    GeneratedPool completed = GeneratedPool.cached(pool, a, opener(a, opened), 3, log::add);
    assertThat(opened).hasValue(2);
    assertThat(Canvas.pixels(completed.images().get(1))).as("the missing image made again, identically").isEqualTo(Canvas.pixels(first.images().get(1)));
    assertThat(log).anySatisfy(l -> assertThat(l).contains("made 1 images, reused 2"));

    assertThat(GeneratedPool.weightsKey(b)).isNotEqualTo(GeneratedPool.weightsKey(a));
    GeneratedPool other = GeneratedPool.cached(pool, b, opener(b, opened), 3, log::add);
    assertThat(opened).hasValue(3);
    assertThat(log).anySatisfy(l -> assertThat(l).contains("other weights"));
    assertThat(Canvas.pixels(other.images().get(0))).isNotEqualTo(Canvas.pixels(first.images().get(0)));
    assertThat(pool.resolve("pool.json")).content().contains(GeneratedPool.weightsKey(b));
  }

  private static Supplier<Generator> opener(Path folder, AtomicInteger opened) {
    return () -> { opened.incrementAndGet(); return FluxPipeline.open(folder, Placement.cpu(), 64, 64, 0); };
  }
}
