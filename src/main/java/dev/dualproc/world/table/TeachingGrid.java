package dev.dualproc.world.table;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.tasks.ControlParams;
import dev.dualproc.tasks.Presets;
import dev.dualproc.world.CaptionSpec;
import dev.dualproc.world.Captions;
import dev.dualproc.world.Style;
import dev.dualproc.world.train.GeneratorTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The teaching table's grid as data (teaching-table.yaml): per preset its control params and prompts, the teaching
 * seeds, the evaluation seeds and the target. Checked in full when read; errors name the file and the field.
 */
public record TeachingGrid(Target target, List<Long> teachingSeeds, SeedRange evalSeeds, Map<String, Row> presets) {

  /** The thresholds a row must meet (issue 7, must-show 2). */
  public record Target(double onAtLeast, double offAtMost, double objectsRatioAtLeast, @JsonProperty("seconds_per_100_steps_at_most") double secondsPer100StepsAtMost) {
    /** What a row misses, in words; empty when it meets every target. */
    public List<String> misses(dev.dualproc.distill.Results.OffOn passValid, dev.dualproc.distill.Results.OffOn objects,
                               double secondsPer100Steps) {
      List<String> out = new ArrayList<>();
      if (!(passValid.off() <= offAtMost)) out.add(String.format(Locale.ROOT, "off %.3f > %.2f", passValid.off(), offAtMost));
      if (!(passValid.on() >= onAtLeast)) out.add(String.format(Locale.ROOT, "on %.3f < %.2f", passValid.on(), onAtLeast));
      if (!(objects.on() >= objectsRatioAtLeast * objects.off()))
        out.add(String.format(Locale.ROOT, "objects on %.3f < %.2f x off %.3f", objects.on(), objectsRatioAtLeast, objects.off()));
      if (!(secondsPer100Steps <= secondsPer100StepsAtMost))
        out.add(String.format(Locale.ROOT, "%.1f s per 100 steps > %.0f", secondsPer100Steps, secondsPer100StepsAtMost));
      return out;
    }
  }

  public record SeedRange(long first, int count) {
    public List<Long> seeds() {
      List<Long> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) out.add(first + i);
      return out;
    }
  }

  /** One preset's control params and its prompts. */
  public record Row(Map<String, Object> params, List<String> prompts) {}

  public static final String BUILTIN = "teaching-table.yaml";

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** The grid that ships with dualproc. */
  public static TeachingGrid builtin() {
    try (InputStream in = TeachingGrid.class.getResourceAsStream(BUILTIN)) {
      if (in == null) throw new IllegalStateException(BUILTIN + " (a resource of dualproc) is missing");
      return check(YAML.readValue(in, TeachingGrid.class), BUILTIN);
    } catch (IOException e) {
      throw new IllegalStateException(BUILTIN + " (a resource of dualproc) is unreadable", e);
    }
  }

  /** A grid from a file (for experiments), checked like the built-in one. */
  public static TeachingGrid read(Path file) {
    if (!Files.isRegularFile(file)) throw new DualprocException(file + ": no such grid file");
    try {
      return check(YAML.readValue(file.toFile(), TeachingGrid.class), file.toString());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new DualprocException(file + ": not a teaching grid (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  static TeachingGrid check(TeachingGrid g, String origin) {
    if (g.target() == null) throw new DualprocException(origin + ": target: missing");
    Target t = g.target();
    for (double v : new double[] {t.onAtLeast(), t.offAtMost(), t.objectsRatioAtLeast()})
      if (!(v >= 0 && v <= 1)) throw new DualprocException(origin + ": target: rates and ratios must be in 0..1, got " + v);
    if (!(t.secondsPer100StepsAtMost() > 0)) throw new DualprocException(origin + ": target.seconds_per_100_steps_at_most: expected > 0");
    if (g.teachingSeeds() == null || g.teachingSeeds().isEmpty()) throw new DualprocException(origin + ": teaching_seeds: at least one seed is needed");
    if (new HashSet<>(g.teachingSeeds()).size() != g.teachingSeeds().size()) throw new DualprocException(origin + ": teaching_seeds: a seed is listed twice");
    for (long s : g.teachingSeeds()) if (s < 0) throw new DualprocException(origin + ": teaching_seeds: expected seeds >= 0, got " + s);
    SeedRange e = g.evalSeeds();
    if (e == null || e.count() < 1 || e.first() < 0) throw new DualprocException(origin + ": eval_seeds: expected {first: S >= 0, count: N >= 1}");
    if (e.first() + e.count() > GeneratorTrainer.AE_SEEDS)
      throw new DualprocException(origin + ": eval_seeds: must lie below 2^40 (the built-in generator trains on seeds from there)");
    for (long s : g.teachingSeeds())
      if (s >= e.first() && s < e.first() + e.count())
        throw new DualprocException(origin + ": eval_seeds: teaching seed " + s + " is also an evaluation seed; the evaluation noise must be held out");
    if (g.presets() == null || g.presets().isEmpty()) throw new DualprocException(origin + ": presets: at least one preset is needed");
    Map<String, Row> rows = new LinkedHashMap<>();
    g.presets().forEach((name, row) -> {
      String field = origin + ": presets." + name;
      Presets.get(name, field);
      if (row == null || row.prompts() == null || row.prompts().isEmpty()) throw new DualprocException(field + ".prompts: at least one prompt is needed");
      Map<String, Object> params = ControlParams.check(name, row.params(), field + ".params");
      for (int i = 0; i < row.prompts().size(); i++) prompt(name, row.prompts().get(i), field + ".prompts[" + i + "]");
      rows.put(name, new Row(params, List.copyOf(row.prompts())));
    });
    return new TeachingGrid(t, List.copyOf(g.teachingSeeds()), e, Collections.unmodifiableMap(rows));
  }

  /** A prompt must be a caption the world knows, naming objects (the objects rate needs them); line weight asks for drawings. */
  private static void prompt(String preset, String prompt, String field) {
    if (prompt == null || prompt.isBlank()) throw new DualprocException(field + ": empty prompt");
    CaptionSpec c = Captions.parse(prompt);
    if (!c.unknownWords().isEmpty())
      throw new DualprocException(field + ": words outside the world's caption vocabulary: " + c.unknownWords() + " in '" + prompt + "'");
    if (c.groups().isEmpty()) throw new DualprocException(field + ": names no object ('" + prompt + "'); the objects rate needs captioned objects");
    if (preset.equals("line-weight") && c.style() != Style.DRAWING)
      throw new DualprocException(field + ": a line-weight prompt must ask for a drawing (\"" + Captions.DRAWING_PREFIX + " ...\"), got '" + prompt + "'");
  }
}
