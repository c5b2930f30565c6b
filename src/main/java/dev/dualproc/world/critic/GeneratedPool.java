package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.distill.Conditioning;
import dev.dualproc.distill.Generator;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.train.GeneratorTrainer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Images a generator made from the captions of world scenes, image k from scene seed {@code firstSeed + k} (its caption,
 * and the same number as the noise seed). Training pools use the generator's own training scenes
 * ({@link #TRAIN_FIRST_SEED}), so no evaluation caption or seed of teaching is ever trained on; {@link #EVAL_FIRST_SEED}
 * onwards is held out for {@code world eval vlm --generated}.
 */
public record GeneratedPool(List<BufferedImage> images, List<Long> seeds, List<String> captions) {
  /** The generator's flow-training scenes (2^41 onwards): seeds of a training stream. */
  public static final long TRAIN_FIRST_SEED = GeneratorTrainer.FLOW_SEEDS;
  /** Held out (below 2^40, apart from the verifier and generator evaluation ranges): never in a training pool. */
  public static final long EVAL_FIRST_SEED = 5_000_000L;
  static final String INDEX = "pool.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public GeneratedPool {
    images = List.copyOf(images); seeds = List.copyOf(seeds); captions = List.copyOf(captions);
    if (images.isEmpty() || images.size() != seeds.size() || images.size() != captions.size())
      throw new IllegalArgumentException("a pool needs as many seeds and captions as images, and at least one image");
  }

  public int size() { return images.size(); }

  /** The caption of scene {@code seed} at the critic's size. */
  public static String caption(long seed) {
    return Captions.caption(SceneRenderer.render(seed, CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE).truth());
  }

  /** Image of scene {@code seed}: generated from its caption, noise seeded by the same number. */
  static BufferedImage generate(Generator g, long seed, String caption) {
    if (g.width() != CriticConfig.IMAGE_SIZE || g.height() != CriticConfig.IMAGE_SIZE)
      throw new DualprocException(g.identity() + ": makes " + g.width() + "x" + g.height() + " images; the critic reads "
          + CriticConfig.IMAGE_SIZE + "x" + CriticConfig.IMAGE_SIZE);
    Conditioning c = g.encode(caption);
    return Images.toImage(StepScope.compute(() -> g.generate(c, seed)));
  }

  /** {@code count} images from scene seeds {@code firstSeed} on, in memory (the held-out evaluation pool). */
  public static GeneratedPool generate(Generator g, long firstSeed, int count) {
    List<BufferedImage> images = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      long seed = firstSeed + k;
      String caption = caption(seed);
      images.add(generate(g, seed, caption));
      seeds.add(seed);
      captions.add(caption);
    }
    return new GeneratedPool(images, seeds, captions);
  }

  /**
   * The training pool of {@code count} images in {@code dir}, generated once: {@code NNNNNN.png} (atomic, each with
   * its caption, seed and the generator's key in text chunks) and {@code pool.json} (written last). A pool made by
   * other weights ({@link #weightsKey}) is deleted and made again; images already there for this key are reused, so an
   * interrupted generation continues. {@code open} is called only when an image is missing.
   */
  public static GeneratedPool cached(Path dir, Path generatorFolder, Supplier<Generator> open, int count, Consumer<String> log) {
    if (count < 1) throw new DualprocException("--generated-pool: expected at least 1 image, got " + count);
    String key = weightsKey(generatorFolder);
    try {
      Files.createDirectories(dir);
      JsonNode index = readIndex(dir);
      if (index != null && !key.equals(index.path("key").asText())) {
        log.accept("generated pool in " + dir + " was made by other weights (" + index.path("generator").asText() + "); making it again");
        clear(dir);
      }
      List<BufferedImage> images = new ArrayList<>();
      List<Long> seeds = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      Generator g = null;
      int made = 0;
      long t0 = System.nanoTime();
      try {
        for (int k = 0; k < count; k++) {
          long seed = TRAIN_FIRST_SEED + k;
          Path png = dir.resolve(String.format(Locale.ROOT, "%06d.png", k));
          BufferedImage img = null;
          String caption = null;
          if (Files.isRegularFile(png)) {
            Map<String, String> text = Images.readPngText(png);
            if (key.equals(text.get("key")) && Long.toString(seed).equals(text.get("seed"))) { img = Images.read(png); caption = text.get("caption"); }
          }
          if (img == null) {
            if (g == null) g = open.get();
            caption = caption(seed);
            img = generate(g, seed, caption);
            Map<String, String> text = new LinkedHashMap<>();
            text.put("caption", caption);
            text.put("seed", Long.toString(seed));
            text.put("key", key);
            Images.writePng(png, img, text);
            made++;
            if (made % 256 == 0) log.accept(String.format(Locale.ROOT, "generated pool: %d of %d images (%.0f ms each)", k + 1, count, (System.nanoTime() - t0) / 1e6 / made));
          }
          images.add(img);
          seeds.add(seed);
          captions.add(caption);
        }
      } finally {
        if (g != null) g.close();
      }
      int total = index != null && key.equals(index.path("key").asText()) ? Math.max(count, index.path("count").asInt()) : count;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", key);
      m.put("generator", generatorFolder.toString());
      m.put("count", total);
      m.put("first_seed", TRAIN_FIRST_SEED);
      m.put("size", CriticConfig.IMAGE_SIZE);
      AtomicFiles.writeString(dir.resolve(INDEX), JSON.writeValueAsString(m) + "\n");
      if (made > 0) log.accept(String.format(Locale.ROOT, "generated pool: made %d images, reused %d (%.0f ms per image made)", made, count - made, (System.nanoTime() - t0) / 1e6 / made));
      return new GeneratedPool(images, seeds, captions);
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot read or write the generated pool (" + e.getMessage() + ")", e);
    }
  }

  private static JsonNode readIndex(Path dir) {
    Path f = dir.resolve(INDEX);
    if (!Files.isRegularFile(f)) return null;
    try {
      return JSON.readTree(f.toFile());
    } catch (IOException e) {
      return null; // unreadable: the per-image keys decide what is reused
    }
  }

  private static void clear(Path dir) throws IOException {
    try (var list = Files.list(dir)) {
      for (Path p : list.toList()) if (p.getFileName().toString().matches("\\d{6}\\.png|pool\\.json")) Files.delete(p);
    }
  }

  /** SHA-256 over the relative names and bytes of every file in a generator folder but its markdown (the weights and configs). */
  public static String weightsKey(Path folder) {
    if (!Files.isDirectory(folder)) throw new DualprocException(folder + ": not a generator folder");
    try (var walk = Files.walk(folder)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md")).sorted().toList()) {
        md.update(folder.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        try (InputStream in = Files.newInputStream(p)) {
          for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
        }
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (IOException e) {
      throw new DualprocException(folder + ": cannot read the generator's files (" + e.getMessage() + ")", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
