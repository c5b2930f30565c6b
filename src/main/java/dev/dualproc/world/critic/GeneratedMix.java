package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.world.VqaItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training items that mix generated-image items into every step: of a step's {@code batch} items the first
 * {@code batch - g} are the rendered stream's next items and the last g the generated stream's next ones (rendered
 * first, so the caption items, which need a rendered scene's truth, take rendered scenes). Both streams are read in
 * order from index 0 on, so the mix is a function of the step and resuming stays exact. {@code g = 0} is the rendered
 * stream unchanged.
 */
public final class GeneratedMix {
  private GeneratedMix() {}

  /**
   * What a run mixes in, kept in the state folder ({@link #FILE}) so that a resumed run mixes the same: hardImages is the
   * folder of {@link HardImages} joined to the pool ("" for none) and hardKey their fingerprint.
   */
  public record Settings(double fraction, int pool, String generator, String hardImages, String hardKey, double broken) {
    public Settings {
      if (!(broken >= 0 && broken <= 0.5)) throw new DualprocException("--broken-fraction: expected a share in [0, 0.5], got " + broken);
      if (broken > 0 && fraction == 0) throw new DualprocException("--broken-fraction: broken-scene items take the generated items' place in a step; give --generated-fraction > 0 too");
      if (!(fraction >= 0 && fraction <= 1)) throw new DualprocException("--generated-fraction: expected a number in [0, 1], got " + fraction);
      if (pool < 1) throw new DualprocException("--generated-pool: expected at least 1 image, got " + pool);
      hardImages = hardImages == null ? "" : hardImages;
      hardKey = hardKey == null ? "" : hardKey;
      if (!hardImages.isEmpty() && fraction == 0) throw new DualprocException("--hard-images: the images join the generated pool; give --generated-fraction > 0 too");
    }

    /** Without hardening images. */
    public Settings(double fraction, int pool, String generator) { this(fraction, pool, generator, "", "", 0); }

    public Settings(double fraction, int pool, String generator, String hardImages, String hardKey) { this(fraction, pool, generator, hardImages, hardKey, 0); }

    public boolean hardened() { return !hardImages.isEmpty(); }

    /** Generated items per step of {@code batch}. */
    public int perStep(int batch) { return (int) Math.round(fraction * batch); }

    /** Broken-scene items ({@link BrokenScenes}) per step of {@code batch}. */
    public int brokenPerStep(int batch) { return (int) Math.round(broken * batch); }
  }

  public static final String FILE = "generated.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings a run in {@code state} was started with, or null (none kept: a run without generated items). */
  public static Settings read(Path state) {
    Path f = state.resolve(FILE);
    if (!Files.isRegularFile(f)) return null;
    try {
      JsonNode n = JSON.readTree(f.toFile());
      return new Settings(n.path("fraction").asDouble(), n.path("pool").asInt(), n.path("generator").asText(),
          n.path("hardImages").asText(""), n.path("hardKey").asText(""), n.path("broken").asDouble(0));
    } catch (IOException | RuntimeException e) {
      throw new DualprocException(f + ": unreadable (" + e.getMessage() + "); expected {\"fraction\", \"pool\", \"generator\"[, \"hardImages\", \"hardKey\", \"broken\"]}", e);
    }
  }

  public static void write(Path state, Settings s) {
    try {
      Files.createDirectories(state);
      AtomicFiles.writeString(state.resolve(FILE), JSON.writeValueAsString(s) + "\n");
    } catch (IOException e) {
      throw new DualprocException(state.resolve(FILE) + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The mixed source for a trainer of stream {@code seed} and {@code config}: {@code perStep} generated items per step.
   * Fails when fewer rendered items than caption items would remain.
   */
  public static CriticTrainer.ItemSource source(long seed, CriticConfig config, GeneratedVqa generated, int perStep) {
    return source(seed, config, generated, perStep, 0);
  }

  /**
   * As above, with {@code brokenPerStep} broken-scene items ({@link BrokenScenes}, stream {@code seed}) between the
   * rendered and the generated ones: items without a scene truth come last.
   */
  public static CriticTrainer.ItemSource source(long seed, CriticConfig config, GeneratedVqa generated, int perStep, int brokenPerStep) {
    int batch = config.batch(), rendered = batch - perStep - brokenPerStep;
    if (perStep > 0 && generated.families().isEmpty())
      throw new DualprocException(String.format(Locale.ROOT, "--generated-fraction: the pool of %d generated images (%.0f%% valid scenes) can ask"
          + " no question family with both answers; use a better generator or a larger --generated-pool", generated.pool().size(), 100 * generated.validRate()));
    if (perStep < 0 || brokenPerStep < 0 || rendered < config.captions())
      throw new DualprocException(String.format(Locale.ROOT, "--generated-fraction: leaves %d rendered items per step, fewer than the %d"
          + " caption items (captions describe a rendered scene's truth); lower it, --broken-fraction or --captions", rendered, config.captions()));
    return (first, n) -> {
      if (first % batch != 0 || n != batch) throw new IllegalArgumentException("mixed items come a whole step at a time: got " + first + " +" + n + " for batch " + batch);
      long step = first / batch;
      List<VqaItem> out = new ArrayList<>(VqaBatches.items(seed, step * rendered, rendered, config.tasks(), config.itemRecipe()));
      if (brokenPerStep > 0) out.addAll(BrokenScenes.items(seed, step * brokenPerStep, brokenPerStep, config.itemRecipe()));
      if (perStep > 0) out.addAll(generated.items(seed, step * perStep, perStep));
      return out;
    };
  }
}
