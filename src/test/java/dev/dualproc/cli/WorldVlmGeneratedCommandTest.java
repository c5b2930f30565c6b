package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.model.flux.TinyFlux;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated-image options of `world train vlm` and `world eval vlm`, with a tiny random FLUX pipeline (noise images). */
class WorldVlmGeneratedCommandTest {
  @TempDir Path dir;

  private static CliRun run(String... args) { return CliRun.of(args); }

  @Test void initFromGeneratedSettingsAndTheAgreementTable() {
    Path gen = dir.resolve("tiny-flux");
    TinyFlux.write(gen, 7);
    String vlm = dir.resolve("vlm").toString();
    CliRun first = run("world", "train", "vlm", "--config", "micro", "--steps", "2", "--state", dir.resolve("s1").toString(), "--out", vlm,
        "--eval-n", "9", "--validate-every", "0");
    assertThat(first.code()).as(first.err()).isZero();

    String s2 = dir.resolve("s2").toString();
    CliRun warm = run("world", "train", "vlm", "--init-from", vlm, "--steps", "3", "--state", s2, "--no-export", "--validate-every", "0");
    assertThat(warm.code()).as(warm.err()).isZero();
    assertThat(warm.out()).contains("from " + vlm + " (its step 2, config micro, seed 0)");
    CliRun other = run("world", "train", "vlm", "--steps", "4", "--state", s2, "--generated-fraction", "0.5", "--no-export");
    assertThat(other.code()).isEqualTo(2);
    assertThat(other.err()).contains("mixes generated items as");

    // a random pipeline draws noise: no valid scene, so no overlay family can be asked Yes, and training says so up front
    CliRun broken = run("world", "train", "vlm", "--config", "micro", "--steps", "1", "--state", dir.resolve("s3").toString(),
        "--generated-fraction", "0.5", "--generated-pool", "3", "--generator", gen.toString(), "--no-export");
    assertThat(broken.code()).as(broken.out()).isEqualTo(2);
    assertThat(broken.err()).contains("can ask no question family").contains("0% valid");
    assertThat(dir.resolve("s3/generated-pool/pool.json")).exists();

    CliRun eval = run("world", "eval", "vlm", "--vlm", vlm, "--n", "0", "--generated", "3", "--generator", gen.toString());
    assertThat(eval.out()).contains("agreement with the verifiers").contains("| time-of-day | 0 | not asked |").contains("| horizon | 0 | not asked |")
        .contains("Overall agreement");
    assertThat(eval.code()).isEqualTo(1);
  }
}
