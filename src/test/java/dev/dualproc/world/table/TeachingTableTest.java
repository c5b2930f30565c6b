package dev.dualproc.world.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.cli.WorldTableCommand;
import dev.dualproc.distill.Models;
import dev.dualproc.distill.TinyModels;
import dev.dualproc.engine.DualprocException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `dualproc world table` on the tiny test models: cell and table files, resume by skipping, bad overrides. */
class TeachingTableTest {
  @TempDir Path tmp;

  static final ObjectMapper JSON = new ObjectMapper();

  /** Runs the command in process; errors are thrown (picocli would print them and exit 2). */
  static int table(Models models, String... args) {
    WorldTableCommand cmd = new WorldTableCommand(models);
    new CommandLine(cmd).parseArgs(args);
    return cmd.call();
  }

  String[] smallTable(Path out, String... extra) throws Exception {
    Path gen = TinyModels.generatorFolder(tmp, 1, 1, 0), critic = TinyModels.criticFolder(tmp);
    List<String> a = new ArrayList<>(List.of("--out", out.toString(), "--presets", "horizon", "--prompts", "1", "--teaching-seeds", "1",
        "--eval-seeds", "4", "--steps", "3", "--generator", gen.toString(), "--critic", critic.toString(), "--set", "rank=2"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test void aOneCellTableWritesItsCellAndTableFiles() throws Exception {
    Path out = tmp.resolve("table");
    // random tiny models cannot pass the horizon control: the row misses the target, so the exit code is 1
    assertThat(table(TinyModels.MODELS, smallTable(out))).isEqualTo(1);

    TeachingGrid grid = TeachingGrid.builtin();
    String prompt = grid.presets().get("horizon").prompts().get(0);
    long seed = grid.teachingSeeds().get(0), firstEval = grid.evalSeeds().first();
    JsonNode cell = JSON.readTree(out.resolve("cells/horizon-1-" + seed + ".json").toFile());
    assertThat(cell.get("preset").asText()).isEqualTo("horizon");
    assertThat(cell.get("prompt_number").asInt()).isEqualTo(1);
    assertThat(cell.get("prompt").asText()).isEqualTo(prompt);
    assertThat(cell.get("teaching_seed").asLong()).isEqualTo(seed);
    assertThat(cell.get("params").get("value").asDouble()).isEqualTo(0.3);
    assertThat(cell.get("steps").asInt()).isEqualTo(3);
    assertThat(cell.get("eval_seeds").asInt()).isEqualTo(4);
    for (String rate : List.of("pass_valid", "valid", "objects", "vlm_p"))
      for (String side : List.of("off", "on"))
        assertThat(cell.get(rate).get(side).asDouble()).as(rate + "." + side).isBetween(0.0, 1.0);
    assertThat(cell.get("train_wall_seconds").asDouble()).isPositive();
    double wall = cell.get("train_wall_seconds").asDouble(), setup = cell.get("setup_seconds").asDouble();
    assertThat(setup).isBetween(0.0, wall);
    assertThat(cell.get("seconds_per_100_steps").asDouble()).as("setup once, the 3 steps scaled to 100")
        .isCloseTo(setup + (wall - setup) * 100 / 3, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(cell.get("meets_target").asBoolean()).isFalse();
    assertThat(cell.get("misses").toString()).contains("on 0.000 < 0.85");

    JsonNode spec = cell.get("spec");
    assertThat(spec.get("train_seed").asLong()).isEqualTo(seed);
    assertThat(spec.get("lora_seed").asLong()).isEqualTo(seed);
    assertThat(spec.get("rank").asInt()).as("the --set override").isEqualTo(2);
    assertThat(spec.get("lr").asDouble()).as("the teach default").isEqualTo(5e-5);
    assertThat(spec.get("eval_seeds").toString()).isEqualTo("[" + firstEval + "," + (firstEval + 1) + "," + (firstEval + 2) + "," + (firstEval + 3) + "]");
    assertThat(spec.get("prompts").toString()).isEqualTo(JSON.writeValueAsString(List.of(prompt)));

    Path run = out.resolve(cell.get("run").asText());
    JsonNode results = JSON.readTree(run.resolve("results.json").toFile());
    assertThat(results.get("eval")).as("4 seeds, LoRA off and on").hasSize(8);
    long passOn = 0;
    for (JsonNode e : results.get("eval"))
      if (e.get("lora").asText().equals("on") && e.get("verifier").get("pass").asBoolean() && e.get("verifier").get("valid_scene").asBoolean()) passOn++;
    assertThat(cell.get("pass_valid").get("on").asDouble()).isEqualTo(passOn / 4.0);

    JsonNode t = JSON.readTree(out.resolve("table.json").toFile());
    assertThat(t.get("rows")).hasSize(1);
    assertThat(t.get("rows").get(0).get("prompt").asText()).isEqualTo(prompt);
    assertThat(t.get("overrides").toString()).isEqualTo("{\"rank\":2}");
    assertThat(t.get("shared_spec").get("steps").asInt()).isEqualTo(3);
    assertThat(t.get("shared_spec").get("rank").asInt()).isEqualTo(2);
    assertThat(t.get("presets")).hasSize(1);
    assertThat(t.get("presets").get(0).get("meet_target").asInt()).isZero();
    assertThat(t.get("all_meet_target").asBoolean()).isFalse();
    String md = Files.readString(out.resolve("table.md"));
    assertThat(md).contains("| horizon | 1 | " + seed + " | ").contains("- horizon 1: \"" + prompt + "\"").contains("0 of 1 rows meet the target");
  }

  @Test void aRerunSkipsTheFinishedCellAndRefusesOneMadeForAnotherTask() throws Exception {
    Path out = tmp.resolve("table");
    assertThat(table(TinyModels.MODELS, smallTable(out))).isEqualTo(1);
    Path cell = out.resolve("cells/horizon-1-" + TeachingGrid.builtin().teachingSeeds().get(0) + ".json");
    byte[] bytes = Files.readAllBytes(cell);
    Files.setLastModifiedTime(cell, FileTime.fromMillis(1_000_000_000_000L));
    Files.delete(out.resolve("table.md"));

    AtomicInteger opened = new AtomicInteger();
    Models counting = new Models((ref, p) -> { opened.incrementAndGet(); return TinyModels.MODELS.generator().apply(ref, p); },
        (ref, p) -> { opened.incrementAndGet(); return TinyModels.MODELS.critic().apply(ref, p); });
    assertThat(table(counting, smallTable(out))).isEqualTo(1);
    assertThat(opened).as("models opened (a teach run) on the rerun").hasValue(0);
    assertThat(Files.readAllBytes(cell)).isEqualTo(bytes);
    assertThat(Files.getLastModifiedTime(cell).toMillis()).isEqualTo(1_000_000_000_000L);
    assertThat(out.resolve("table.md")).exists();
    try (Stream<Path> runs = Files.list(out.resolve("runs/horizon-1-1001"))) { assertThat(runs.count()).as("run folders").isEqualTo(1); }

    // other steps: the stored cell is not this task's, and is neither reused nor overwritten
    String[] args = smallTable(out);
    for (int i = 0; i < args.length; i++) if (args[i].equals("--steps")) args[i + 1] = "4";
    assertThatThrownBy(() -> table(counting, args)).isInstanceOf(DualprocException.class)
        .hasMessageContaining(cell.toString()).hasMessageContaining("made with another task");
    assertThat(Files.readAllBytes(cell)).isEqualTo(bytes);
  }

  @Test void anInterruptedTableKeepsItsFinishedCellsAndARerunTeachesOnlyTheRest() throws Exception {
    Path out = tmp.resolve("table"), gen = TinyModels.generatorFolder(tmp, 1, 1, 0), critic = TinyModels.criticFolder(tmp);
    var options = new TeachingTable.Options(out, List.of("depth"), 1, 2, 2, 2, gen.toString(), critic.toString(), List.of());
    TeachingTable.Plan plan = TeachingTable.plan(TeachingGrid.builtin(), "built in", options, tmp);
    assertThat(plan.cells()).extracting(Cell::id).containsExactly("depth-1-1001", "depth-1-1002");
    // the second cell's models open, then the stop comes (as Ctrl-C sets it) before its first step
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    AtomicInteger opened = new AtomicInteger();
    Models stopping = new Models((ref, p) -> {
      if (opened.incrementAndGet() == 2) stop.set(true);
      return TinyModels.MODELS.generator().apply(ref, p);
    }, TinyModels.MODELS.critic());
    TeachingTable.Outcome first = TeachingTable.run(plan, stopping, stop);
    assertThat(first.interrupted()).isTrue();
    Path one = TeachingTable.cellFile(out, plan.cells().get(0)), two = TeachingTable.cellFile(out, plan.cells().get(1));
    assertThat(one).exists();
    assertThat(two).doesNotExist();
    assertThat(out.resolve("table.json")).doesNotExist();
    byte[] bytes = Files.readAllBytes(one);

    TeachingTable.Outcome again = TeachingTable.run(plan, TinyModels.MODELS, new java.util.concurrent.atomic.AtomicBoolean());
    assertThat(again.interrupted()).isFalse();
    assertThat(again.skippedCells()).isEqualTo(1);
    assertThat(again.ranCells()).isEqualTo(1);
    assertThat(Files.readAllBytes(one)).isEqualTo(bytes);
    assertThat(again.table().rows()).extracting(r -> r.cell().id()).containsExactly("depth-1-1001", "depth-1-1002");
    assertThat(JSON.readTree(out.resolve("table.json").toFile()).get("rows")).hasSize(2);
  }

  @Test void badOverridesAndSelectionsFailNamingWhatIsWrong() throws Exception {
    Path out = tmp.resolve("table");
    assertThatThrownBy(() -> table(TinyModels.MODELS, smallTable(out, "--set", "learning_rate=1e-4")))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("--set learning_rate: unknown task field").hasMessageContaining("lr");
    assertThatThrownBy(() -> table(TinyModels.MODELS, smallTable(out, "--set", "lr=fast")))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("--set lr: bad value 'fast'");
    assertThatThrownBy(() -> table(TinyModels.MODELS, smallTable(out, "--set", "lr=5")))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("--set lr=5: lr: expected a number in (0, 1.0]");
    assertThatThrownBy(() -> table(TinyModels.MODELS, smallTable(out, "--set", "train_seed=5")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("train_seed").hasMessageContaining("teaching seeds");
    assertThatThrownBy(() -> table(TinyModels.MODELS, smallTable(out, "--set", "rank")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("expected KEY=VALUE");
    String[] badPreset = smallTable(out);
    badPreset[3] = "horizon,tilt";
    assertThatThrownBy(() -> table(TinyModels.MODELS, badPreset)).isInstanceOf(DualprocException.class).hasMessageContaining("'tilt'");
    String[] tooMany = smallTable(out);
    tooMany[9] = "65";
    assertThatThrownBy(() -> table(TinyModels.MODELS, tooMany)).isInstanceOf(DualprocException.class).hasMessageStartingWith("--eval-seeds: expected 1..64");
    assertThat(out).as("nothing is written before every cell's task checks out").doesNotExist();
  }

  @Test void theBuiltInGridIsFourPresetsOfThreeHeldOutPromptsAndAGridFileIsChecked() throws Exception {
    TeachingGrid g = TeachingGrid.builtin();
    assertThat(g.presets().keySet()).containsExactly("palette", "line-weight", "horizon", "depth");
    g.presets().values().forEach(r -> assertThat(r.prompts()).hasSize(3));
    assertThat(g.teachingSeeds()).hasSize(3);
    assertThat(g.evalSeeds().count()).isEqualTo(64);
    assertThat(g.evalSeeds().seeds()).doesNotContainAnyElementsOf(g.teachingSeeds());
    assertThat(g.evalSeeds().seeds().get(63)).as("below the generator's training seeds (2^40)").isLessThan(1L << 40);

    String good = """
        target: {on_at_least: 0.85, off_at_most: 0.45, objects_ratio_at_least: 0.9, seconds_per_100_steps_at_most: 60}
        teaching_seeds: [5]
        eval_seeds: {first: 0, count: 4}
        presets:
          line-weight:
            params: {value: 3}
            prompts: ["%s"]
        """;
    Path f = tmp.resolve("grid.yaml");
    Files.writeString(f, good.formatted("a drawing of a red house on grass at night"));
    assertThat(TeachingGrid.read(f).presets().get("line-weight").params()).containsEntry("value", 3);
    Files.writeString(f, good.formatted("a red house on grass at night"));
    assertThatThrownBy(() -> TeachingGrid.read(f)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("presets.line-weight.prompts[0]").hasMessageContaining("must ask for a drawing");
    Files.writeString(f, good.formatted("a drawing of a red spaceship"));
    assertThatThrownBy(() -> TeachingGrid.read(f)).isInstanceOf(DualprocException.class).hasMessageContaining("spaceship");
    Files.writeString(f, good.formatted("a drawing of a red house").replace("teaching_seeds: [5]", "teaching_seeds: [2]"));
    assertThatThrownBy(() -> TeachingGrid.read(f)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("teaching seed 2 is also an evaluation seed");
  }
}
