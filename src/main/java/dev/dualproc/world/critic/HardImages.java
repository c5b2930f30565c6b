package dev.dualproc.world.critic;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.distill.TaskSpec;
import dev.dualproc.distill.TaskSpecYaml;
import dev.dualproc.world.table.TeachingGrid;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hardening images for the critic (`world train vlm --hard-images DIR`): the LoRA-on samples ({@code *-on.png}) of teach
 * run folders under DIR, the images a critic was fooled by. They join the generated pool, where the verifiers answer
 * every question about them (on an image the validity check rejects, every overlay question is No), so the next critic
 * learns to refuse what fooled the last one. The teaching table's evaluation stays held out from anything the critic is
 * built from: a sample of one of its evaluation seeds is refused, and so is a run (its {@code task.yaml}) that used one
 * of its prompts or a (preset, value) of its rows.
 */
public final class HardImages {
  private static final Pattern SAMPLE = Pattern.compile("\\d+-p\\d+-seed(\\d+)-on\\.png");

  private HardImages() {}

  /** The files, sorted by their path under {@code dir} (so the pool's order, and a run's items, are a function of DIR). */
  public static List<Path> files(Path dir) {
    if (!Files.isDirectory(dir)) throw new DualprocException("--hard-images: " + dir + " is not a folder (expected teach run folders with samples/*-on.png)");
    TeachingGrid grid = TeachingGrid.builtin();
    var eval = grid.evalSeeds();
    Set<Path> checked = new HashSet<>();
    try (var walk = Files.walk(dir)) {
      List<Path> out = new ArrayList<>();
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        Matcher m = SAMPLE.matcher(p.getFileName().toString());
        if (!m.matches()) continue;
        long seed = Long.parseLong(m.group(1));
        if (seed >= eval.first() && seed < eval.first() + eval.count())
          throw new DualprocException("--hard-images: " + p + " is a sample of evaluation seed " + seed + ", held out for the teaching table ("
              + eval.first() + ".." + (eval.first() + eval.count() - 1) + "); harden on teach runs with other --eval-seeds");
        heldOut(p.getParent().getParent(), grid, checked);
        out.add(p);
      }
      if (out.isEmpty()) throw new DualprocException("--hard-images: no LoRA-on samples (<step>-p<i>-seed<s>-on.png) under " + dir);
      return out;
    } catch (IOException e) {
      throw new DualprocException("--hard-images: cannot read " + dir + " (" + e.getMessage() + ")", e);
    }
  }

  /** Refuses a run folder whose task.yaml shares a prompt or a (preset, value) with the teaching table. */
  private static void heldOut(Path run, TeachingGrid grid, Set<Path> checked) {
    if (run == null || !checked.add(run)) return;
    Path yaml = run.resolve("task.yaml");
    if (!Files.isRegularFile(yaml))
      throw new DualprocException("--hard-images: " + run + " has samples/ but no task.yaml; hardening images must come from teach run folders"
          + " (the task is checked against the teaching table's held-out prompts and values)");
    TaskSpec t = TaskSpecYaml.read(yaml);
    List<String> prompts = new ArrayList<>(t.prompts() == null ? List.of() : t.prompts());
    if (t.evalPrompts() != null) prompts.addAll(t.evalPrompts());
    for (var row : grid.presets().entrySet()) {
      for (String prompt : prompts)
        if (row.getValue().prompts().contains(prompt))
          throw new DualprocException("--hard-images: " + yaml + " uses the prompt '" + prompt + "' of the teaching table's " + row.getKey()
              + " row, held out from the critic; harden on teach runs with other prompts");
      if (t.control() != null && row.getKey().equals(t.control().preset()) && canonical(row.getValue().params()).equals(canonical(t.control().params())))
        throw new DualprocException("--hard-images: " + yaml + " teaches the teaching table's " + row.getKey() + " value " + row.getValue().params()
            + ", held out from the critic; harden on teach runs with other values");
    }
  }

  /** Parameters compared by value: numbers as doubles, so 4 and 4.0 (or 0.3 from YAML and from Java) are one value. */
  private static Object canonical(Object v) {
    if (v instanceof Number n) return n.doubleValue();
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), canonical(x)));
      return out;
    }
    if (v instanceof List<?> l) return l.stream().map(HardImages::canonical).toList();
    return v == null ? "" : v.toString().toUpperCase(Locale.ROOT);
  }

  /** The images, each checked to be the critic's size. */
  public static List<BufferedImage> load(List<Path> files) {
    List<BufferedImage> out = new ArrayList<>();
    for (Path p : files) {
      BufferedImage img;
      try {
        img = Images.read(p);
      } catch (RuntimeException e) {
        throw new DualprocException("--hard-images: " + p + ": not a readable PNG (" + e.getMessage() + ")", e);
      }
      if (img.getWidth() != CriticConfig.IMAGE_SIZE || img.getHeight() != CriticConfig.IMAGE_SIZE)
        throw new DualprocException("--hard-images: " + p + " is " + img.getWidth() + "x" + img.getHeight() + "; the critic reads "
            + CriticConfig.IMAGE_SIZE + "x" + CriticConfig.IMAGE_SIZE);
      out.add(img);
    }
    return out;
  }

  /** SHA-256 (32 hex digits) over the files' relative names and bytes: a resumed run must see the same images. */
  public static String key(Path dir, List<Path> files) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path p : files) {
        md.update(dir.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(Files.readAllBytes(p));
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (IOException e) {
      throw new DualprocException("--hard-images: cannot read " + dir + " (" + e.getMessage() + ")", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code pool} with the hardening images after its own (seed -1 - k, no caption: they come from no scene). */
  public static GeneratedPool join(GeneratedPool pool, List<BufferedImage> hard) {
    List<BufferedImage> images = new ArrayList<>(pool.images());
    List<Long> seeds = new ArrayList<>(pool.seeds());
    List<String> captions = new ArrayList<>(pool.captions());
    for (int k = 0; k < hard.size(); k++) { images.add(hard.get(k)); seeds.add(-1L - k); captions.add(""); }
    return new GeneratedPool(images, seeds, captions);
  }
}
