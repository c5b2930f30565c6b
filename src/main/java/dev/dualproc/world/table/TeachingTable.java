package dev.dualproc.world.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.distill.*;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.eval.ObjectsVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teaching table (issue 7, must-show 2): every (preset, prompt, teaching seed) cell of a {@link TeachingGrid} is
 * taught through {@link TeachRun} with the default settings into OUT/runs/<cell>/, and its LoRA evaluated off and on
 * over the evaluation seeds by the run's own evaluation (the preset's verifier) plus the prompt's objects. Only the
 * critic steers a run; the verifiers judge its finished images. Each finished cell is written atomically to
 * OUT/cells/<cell>.json and skipped on a rerun; the table goes to OUT/table.json and OUT/table.md.
 */
public final class TeachingTable {
  private static final Logger LOG = LoggerFactory.getLogger(TeachingTable.class);

  private TeachingTable() {}

  /** What to run: null counts mean "all the grid has"; {@code steps} null means the teach default. */
  public record Options(Path out, List<String> presets, Integer prompts, Integer teachingSeeds, Integer evalSeeds, Integer steps,
                        String generator, String critic, List<String> sets) {}

  /** The cells to run, each with its resolved task, built and checked in full before any model loads. */
  public record Plan(TeachingGrid grid, String gridName, Options options, List<Cell> cells, Map<String, TaskSpec> specs,
                     ObjectNode overrides) {}

  /** The table, or null when a teach run was interrupted (Ctrl-C); finished cells are kept either way. */
  public record Outcome(Table table, int ranCells, int skippedCells) {
    public boolean interrupted() { return table == null; }
  }

  static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public static Plan plan(TeachingGrid grid, String gridName, Options o, Path baseDir) {
    List<String> presets = o.presets() == null || o.presets().isEmpty() ? List.copyOf(grid.presets().keySet()) : o.presets();
    for (String p : presets)
      if (!grid.presets().containsKey(p))
        throw new DualprocException("--presets: '" + p + "' is not in the grid; expected some of " + String.join(", ", grid.presets().keySet()));
    if (new HashSet<>(presets).size() != presets.size()) throw new DualprocException("--presets: a preset is listed twice: " + presets);
    int seeds = count(o.teachingSeeds(), grid.teachingSeeds().size(), "--teaching-seeds");
    int evalCount = count(o.evalSeeds(), grid.evalSeeds().count(), "--eval-seeds");
    List<Long> evalSeeds = grid.evalSeeds().seeds().subList(0, evalCount);
    ObjectNode overrides = SpecOverrides.parse(o.sets() == null ? List.of() : o.sets());

    List<Cell> cells = new ArrayList<>();
    Map<String, TaskSpec> specs = new LinkedHashMap<>();
    for (String preset : presets) {
      TeachingGrid.Row row = grid.presets().get(preset);
      int prompts = count(o.prompts(), row.prompts().size(), "--prompts");
      for (int pi = 0; pi < prompts; pi++)
        for (long seed : grid.teachingSeeds().subList(0, seeds)) {
          Cell cell = new Cell(preset, pi + 1, row.prompts().get(pi), seed);
          ObjectNode tree = cellTree(cell, row.params(), evalSeeds, o);
          TaskSpecYaml.merge(tree, overrides);
          try {
            specs.put(cell.id(), TaskSpecCheck.resolve(CriticTeachDefaults.apply(TaskSpecYaml.fromTree(tree, "teaching table cell " + cell.id()), baseDir), baseDir));
          } catch (DualprocException e) {
            throw SpecOverrides.blame(e, overrides);
          }
          cells.add(cell);
        }
    }
    return new Plan(grid, gridName, o, List.copyOf(cells), Collections.unmodifiableMap(specs), overrides);
  }

  private static int count(Integer asked, int available, String option) {
    if (asked == null) return available;
    if (asked < 1 || asked > available) throw new DualprocException(option + ": expected 1.." + available + " (what the grid has), got " + asked);
    return asked;
  }

  /** The cell's task fields; everything else keeps the teach defaults (TaskSpecCheck). */
  private static ObjectNode cellTree(Cell cell, Map<String, Object> params, List<Long> evalSeeds, Options o) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.putArray("prompts").add(cell.prompt());
    n.putArray("eval_prompts").add(cell.prompt());
    ObjectNode control = n.putObject("control");
    control.put("preset", cell.preset());
    control.set("params", JSON.valueToTree(params));
    n.put("train_seed", cell.teachingSeed());
    n.put("lora_seed", cell.teachingSeed());
    ArrayNode e = n.putArray("eval_seeds");
    evalSeeds.forEach(e::add);
    if (o.steps() != null) n.put("steps", o.steps());
    if (o.generator() != null) n.put("generator", o.generator());
    if (o.critic() != null) n.put("critic", o.critic());
    return n;
  }

  public static Path cellFile(Path out, Cell cell) { return out.resolve("cells").resolve(cell.id() + ".json"); }

  /**
   * Runs the cells that have no cell file yet, then writes table.json and table.md (not when interrupted). {@code stop}
   * is polled at step boundaries and between cells; Ctrl-C sets it too (TeachRun's shutdown hook).
   */
  public static Outcome run(Plan plan, Models models, AtomicBoolean stop) {
    Path out = plan.options().out();
    List<CellResult> rows = new ArrayList<>();
    int ran = 0, skipped = 0;
    for (int i = 0; i < plan.cells().size(); i++) {
      Cell cell = plan.cells().get(i);
      TaskSpec spec = plan.specs().get(cell.id());
      Path file = cellFile(out, cell);
      if (Files.isRegularFile(file)) {
        CellResult done = readCell(file);
        JsonNode want = tree(spec);
        if (!done.spec().equals(want))
          throw new DualprocException(file + ": made with another task (steps, overrides, models or seeds differ); use another --out or delete the file to redo the cell");
        LOG.info("cell {}/{} {}: done before, skipped", i + 1, plan.cells().size(), cell.id());
        rows.add(done);
        skipped++;
        continue;
      }
      if (stop.get()) return new Outcome(null, ran, skipped);
      LOG.info("cell {}/{} {}: teaching '{}'", i + 1, plan.cells().size(), cell.id(), cell.prompt());
      CellResult r = teach(cell, spec, plan.grid(), out, models, stop);
      if (r == null) return new Outcome(null, ran, skipped);
      write(file, r);
      LOG.info(String.format(Locale.ROOT, "cell %s: pass-and-valid off %.3f on %.3f, %.1f s per 100 steps%s", cell.id(),
          r.passValid().off(), r.passValid().on(), r.secondsPer100Steps(), r.meetsTarget() ? ", meets the target" : ", misses: " + r.misses()));
      rows.add(r);
      ran++;
    }
    Table table = Table.of(plan, rows);
    write(out.resolve("table.json"), table);
    AtomicFiles.writeString(out.resolve("table.md"), TableReport.markdown(table));
    return new Outcome(table, ran, skipped);
  }

  /** One teach run and its evaluation; null when it was interrupted. */
  static CellResult teach(Cell cell, TaskSpec spec, TeachingGrid grid, Path out, Models models, AtomicBoolean stop) {
    ObjectsVerifier objects = ObjectsVerifier.forCaption(cell.prompt());
    int[] found = new int[2], seen = new int[2];
    long start = System.nanoTime();
    long[] lastStep = {start};
    double[] setup = {0};
    TeachRun.Options options = new TeachRun.Options(false, stop, r -> {
      lastStep[0] = System.nanoTime();
      if (r.step() == 1) setup[0] = Math.max(0, (lastStep[0] - start) / 1e9 - r.seconds()); // models, run folder, prompts
    }, e -> {
      int k = e.loraOn() ? 1 : 0; // the verifiers only judge finished images; nothing here feeds back into the run
      seen[k]++;
      if (objects.judge(Images.toImage(e.image())).pass()) found[k]++;
    });
    TeachRun.Started started = TeachRun.start(spec, out.resolve("runs").resolve(cell.id()), models, options);
    long end = System.nanoTime();
    if (started.outcome() != TeachRun.Outcome.FINISHED) return null;
    Results results = Results.read(started.run().results());
    Results.OffOn passValid = results.summary().verifierPassRate();
    if (passValid == null) throw new IllegalStateException(cell.id() + ": the run's evaluation has no verifier verdicts");
    Results.OffOn valid = new Results.OffOn(validRate(results.eval(), false), validRate(results.eval(), true));
    Results.OffOn objectsRate = new Results.OffOn(found[0] / (double) seen[0], found[1] / (double) seen[1]);
    // a run of another length counts its setup once: setup + the rest scaled to 100 steps (for 100 steps, just the wall)
    double wall = (lastStep[0] - start) / 1e9, per100 = setup[0] + (wall - setup[0]) * 100.0 / results.steps();
    List<String> misses = grid.target().misses(passValid, objectsRate, per100);
    return new CellResult(cell.preset(), cell.promptNumber(), cell.prompt(), cell.teachingSeed(), spec.control().params(),
        out.relativize(started.run().dir).toString(), results.steps(), wall, setup[0], results.seconds(), per100, (end - lastStep[0]) / 1e9,
        spec.evalSeeds().size(), passValid, valid, objectsRate, objectsRate.off() > 0 ? objectsRate.on() / objectsRate.off() : null,
        results.summary().vlmP(), misses.isEmpty(), misses, tree(spec));
  }

  private static double validRate(List<Results.Entry> eval, boolean on) {
    return eval.stream().filter(e -> e.on() == on).mapToDouble(e -> Boolean.TRUE.equals(e.verifier().get("valid_scene")) ? 1 : 0)
        .average().orElse(Double.NaN);
  }

  /** As JSON text reads back (whole numbers as ints), so a fresh spec compares equal to a stored one. */
  static JsonNode tree(Object value) {
    try {
      return JSON.readTree(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("does not serialise: " + value, e);
    }
  }

  static CellResult readCell(Path file) {
    try {
      return JSON.readValue(file.toFile(), CellResult.class);
    } catch (IOException e) {
      throw new DualprocException(file + ": not a teaching-table cell (" + e.getMessage().lines().findFirst().orElse("") + "); delete it to redo the cell", e);
    }
  }

  static void write(Path file, Object value) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(value) + "\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(file + " does not serialise", e);
    }
  }
}
