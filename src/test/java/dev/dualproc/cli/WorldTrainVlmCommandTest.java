package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `world train vlm` then `world eval vlm` on the folder it wrote (micro config, a few steps). */
class WorldTrainVlmCommandTest {
  @TempDir Path dir;

  private static CliRun run(String... args) { return CliRun.of(args); }

  @Test void trainsResumesExportsAndEvaluates() {
    String state = dir.resolve("state").toString(), out = dir.resolve("vlm").toString();
    CliRun first = run("world", "train", "vlm", "--config", "micro", "--steps", "2", "--state", state, "--out", out,
        "--validate-every", "0", "--no-export");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("from scratch (config micro, seed 0)");
    CliRun again = run("world", "train", "vlm", "--steps", "3", "--state", state, "--out", out, "--eval-n", "9", "--validate-every", "0");
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("resuming " + state + " at step 2").contains("wrote " + out + " (step 3)").contains("| depth | 1 |");
    assertThat(dir.resolve("vlm/MODEL_CARD.md")).content()
        .contains("./dualproc world train vlm --fresh --config micro --seed 0 --steps 3");
    CliRun eval = run("world", "eval", "vlm", "--vlm", out, "--n", "18");
    assertThat(eval.out()).contains("| horizon | 2 |").contains("worst family");
    assertThat(eval.code()).isEqualTo(1); // three steps are far from 95%
    CliRun sides = run("world", "eval", "vlm", "--vlm", out, "--n", "18", "--left-right-sides", "1");
    assertThat(sides.out()).contains("100% of the left-right items ask one object's side").contains("| left-right | 2 |");
    CliRun probe = run("world", "eval", "vlm", "--vlm", out, "--n", "0", "--position-probe", "5");
    assertThat(probe.code()).as(probe.err()).isZero();
    assertThat(probe.out()).contains("own position read from each state alone").containsPattern("\\| vision patches \\| \\d+\\.\\d% \\| \\d+\\.\\d% \\|")
        .containsPattern("\\| image tokens \\| \\d+\\.\\d%");
    CliRun broken = run("world", "eval", "vlm", "--vlm", out, "--n", "0", "--broken", "8");
    assertThat(broken.code()).as(broken.err()).isZero();
    assertThat(broken.out()).contains("broken scenes with the true overlay, answered No (8 held-out items").contains("| horizon | 2 |").contains("| objects | 0 | not asked |");
    CliRun badShare = run("world", "eval", "vlm", "--vlm", out, "--n", "18", "--left-right-sides", "1.5");
    assertThat(badShare.code()).isEqualTo(2);
    assertThat(badShare.err()).contains("--left-right-sides: expected a share in [0, 1], got 1.5");
    CliRun bad = run("world", "train", "vlm", "--steps", "1", "--seed", "700000001", "--state", dir.resolve("s2").toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("held-out");
  }
}
