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
  public record Settings(double fraction, int pool, String generator, String hardImages, String hardKey) {
    public Settings {
      if (!(fraction >= 0 && fraction <= 1)) throw new DualprocException("--generated-fraction: expected a number in [0, 1], got " + fraction);
      if (pool < 1) throw new DualprocException("--generated-pool: expected at least 1 image, got " + pool);
      hardImages = hardImages == null ? "" : hardImages;
      hardKey = hardKey == null ? "" : hardKey;
      if (!hardImages.isEmpty() && fraction == 0) throw new DualprocException("--hard-images: the images join the generated pool; give --generated-fraction > 0 too");
    }

    /** Without hardening images. */
    public Settings(double fraction, int pool, String generator) { this(fraction, pool, generator, "", ""); }

    public boolean hardened() { return !hardImages.isEmpty(); }

    /** Generated items per step of {@code batch}. */
    public int perStep(int batch) { return (int) Math.round(fraction * batch); }
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
          n.path("hardImages").asText(""), n.path("hardKey").asText(""));
    } catch (IOException | RuntimeException e) {
      throw new DualprocException(f + ": unreadable (" + e.getMessage() + "); expected {\"fraction\", \"pool\", \"generator\"[, \"hardImages\", \"hardKey\"]}", e);
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
    int batch = config.batch(), rendered = batch - perStep;
    if (perStep > 0 && generated.families().isEmpty())
      throw new DualprocException(String.format(Locale.ROOT, "--generated-fraction: the pool of %d generated images (%.0f%% valid scenes) can ask"
          + " no question family with both answers; use a better generator or a larger --generated-pool", generated.pool().size(), 100 * generated.validRate()));
    if (perStep < 0 || rendered < config.captions())
      throw new DualprocException(String.format(Locale.ROOT, "--generated-fraction: leaves %d rendered items per step, fewer than the %d"
          + " caption items (captions describe a rendered scene's truth); lower it or --captions", rendered, config.captions()));
    return (first, n) -> {
      if (first % batch != 0 || n != batch) throw new IllegalArgumentException("mixed items come a whole step at a time: got " + first + " +" + n + " for batch " + batch);
      long step = first / batch;
      List<VqaItem> out = new ArrayList<>(VqaBatches.items(seed, step * rendered, rendered, config.tasks(), config.itemRecipe()));
      if (perStep > 0) out.addAll(generated.items(seed, step * perStep, perStep));
      return out;
    };
  }
}
