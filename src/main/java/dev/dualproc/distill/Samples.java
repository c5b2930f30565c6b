package dev.dualproc.distill;

import dev.dualproc.engine.Images;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;

/**
 * The evaluation images of one step in samples/: {@code <step>-p<i>-seed<s>-<off|on>.png} (raw), the same with
 * {@code -overlay} (what the critic saw, first overlay of the task), PNG text metadata, and {@code <step>-grid.png}:
 * one row per (prompt, seed), columns off | on | off+overlay | on+overlay.
 */
final class Samples {
  private final Path dir;
  private final String stepName;
  private final Map<String, String> meta;
  private final VisualPrompt shown; // null when the task has no overlay
  private final Map<String, BufferedImage[]> rows = new LinkedHashMap<>();

  Samples(Path dir, int step, Map<String, String> meta, VisualPrompt shown) {
    this.dir = dir; this.stepName = String.format(Locale.ROOT, "%06d", step); this.meta = meta; this.shown = shown;
  }

  void add(Evaluation.Image e) {
    String base = stepName + "-p" + e.promptIndex() + "-seed" + e.seed() + "-" + (e.loraOn() ? "on" : "off");
    Map<String, String> m = new LinkedHashMap<>(meta);
    m.put("prompt", e.prompt());
    m.put("seed", Long.toString(e.seed()));
    m.put("lora", e.loraOn() ? "on" : "off");
    m.put("answers", answers(e.entry().answers()));
    BufferedImage raw = Images.toImage(e.image());
    Images.writePng(dir.resolve(base + ".png"), raw, m);
    BufferedImage over = null;
    if (shown != null) {
      over = Images.toImage(shown.apply(e.image()));
      Images.writePng(dir.resolve(base + "-overlay.png"), over, m);
    }
    BufferedImage[] row = rows.computeIfAbsent(e.promptIndex() + "/" + e.seed(), k -> new BufferedImage[4]);
    row[e.loraOn() ? 1 : 0] = raw;
    row[e.loraOn() ? 3 : 2] = over;
  }

  /** "[Yes (p 0.981), No (p 0.120)]": greedy answers and p(target), in question order. */
  static String answers(List<Results.Answer> answers) {
    return answers.stream().map(a -> a.greedy() + " (p " + String.format(Locale.ROOT, "%.3f", a.p()) + ")").toList().toString();
  }

  /** The grid, or null when nothing was added. */
  Path writeGrid() {
    if (rows.isEmpty()) return null;
    BufferedImage grid = grid(new ArrayList<>(rows.values()), shown == null ? 2 : 4);
    Path file = dir.resolve(stepName + "-grid.png");
    Images.writePng(file, grid, meta);
    return file;
  }

  static BufferedImage grid(List<BufferedImage[]> rows, int cols) {
    BufferedImage first = Arrays.stream(rows.get(0)).filter(Objects::nonNull).findFirst().orElseThrow();
    int w = first.getWidth(), h = first.getHeight(), gap = Math.max(2, w / 50); // 2% gutters, as the reference's grids
    BufferedImage out = new BufferedImage(cols * w + (cols + 1) * gap, rows.size() * h + (rows.size() + 1) * gap, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    for (int r = 0; r < rows.size(); r++)
      for (int c = 0; c < cols; c++)
        if (rows.get(r)[c] != null) g.drawImage(rows.get(r)[c], gap + c * (w + gap), gap + r * (h + gap), null);
    g.dispose();
    return out;
  }
}
