package dev.dualproc.cli;

import dev.dualproc.distill.Models;
import dev.dualproc.world.table.TeachingGrid;
import dev.dualproc.world.table.TeachingTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world table`: the teaching table of issue 7 (every preset x prompt x teaching seed, LoRA off and on). */
@Command(name = "table", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Teach every cell of the teaching grid (preset x prompt x teaching seed) with the default settings and",
        "measure, over the evaluation seeds, the rate of images that pass the control on a valid scene with the LoRA off",
        "and on, the captioned objects found, and the wall time per 100 steps. Writes OUT/cells/<cell>.json as each cell",
        "finishes (a rerun skips them), then OUT/table.json and OUT/table.md, and prints the table.",
        "Exit 0 when every row meets the target, 1 otherwise, 2 on bad input, 130 when interrupted."})
public final class WorldTableCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "runs/table", paramLabel = "DIR", description = "output folder; default ${DEFAULT-VALUE}") Path out;
  @Option(names = "--presets", split = ",", paramLabel = "A,B", description = "presets to run (default: all in the grid)") List<String> presets = new ArrayList<>();
  @Option(names = "--prompts", paramLabel = "N", description = "the first N prompts of each preset (default: all)") Integer prompts;
  @Option(names = "--teaching-seeds", paramLabel = "N", description = "the first N teaching seeds (default: all)") Integer teachingSeeds;
  @Option(names = "--eval-seeds", paramLabel = "N", description = "the first N evaluation seeds (default: all, 64 in the built-in grid)") Integer evalSeeds;
  @Option(names = "--steps", paramLabel = "N", description = "teaching steps (default: the teach default, 100)") Integer steps;
  @Option(names = "--generator", paramLabel = "REF", description = "world, a model folder/file, or an HF repo id (default: world)") String generator;
  @Option(names = "--critic", paramLabel = "REF", description = "world, a model folder, or an HF repo id (default: world)") String critic;
  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a task field by its YAML name, VALUE in YAML (repeat): --set lr=1e-4 --set rank=4") List<String> sets = new ArrayList<>();
  @Option(names = "--grid", paramLabel = "FILE", description = "another grid YAML (default: the built-in teaching-table.yaml)") Path grid;
  @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (default: libtorch's, one per core); 1 can be faster on a busy machine") Integer threads;

  private final Models models;

  public WorldTableCommand() { this(Models.REGISTERED); }

  /** With other model openers: tests run the command on tiny fixture models. */
  public WorldTableCommand(Models models) { this.models = models; }

  @Override public Integer call() {
    Threads.apply(threads);
    TeachingGrid g = grid == null ? TeachingGrid.builtin() : TeachingGrid.read(grid);
    String gridName = grid == null ? TeachingGrid.BUILTIN + " (built in)" : grid.toString();
    TeachingTable.Options o = new TeachingTable.Options(out, presets, prompts, teachingSeeds, evalSeeds, steps, generator, critic, sets);
    TeachingTable.Plan plan = TeachingTable.plan(g, gridName, o, Path.of("").toAbsolutePath());
    TeachingTable.Outcome result = TeachingTable.run(plan, models, new java.util.concurrent.atomic.AtomicBoolean());
    if (result.interrupted()) {
      System.out.println("interrupted; the finished cells are kept in " + out.resolve("cells") + "; run the same command again to continue");
      return 130;
    }
    System.out.print(dev.dualproc.world.table.TableReport.markdown(result.table()));
    System.out.println("wrote " + out.resolve("table.md") + " and " + out.resolve("table.json") + " (" + result.ranCells() + " cells taught, "
        + result.skippedCells() + " done before)");
    return result.table().allMeetTarget() ? 0 : 1;
  }
}
