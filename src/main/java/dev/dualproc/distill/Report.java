package dev.dualproc.distill;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/** report.html, self-contained: the summary, the before/after grid (inline PNG), loss and p curves (inline SVG), the task. */
final class Report {
  private Report() {}

  static void write(RunFolder run, Results results, Path grid) {
    List<double[]> curve = new ArrayList<>(); // step, loss, p
    try {
      if (Files.exists(run.metrics()))
        for (String line : Files.readAllLines(run.metrics(), StandardCharsets.UTF_8)) {
          if (line.isBlank()) continue;
          JsonNode n = RunFolder.JSONL.readTree(line);
          curve.add(new double[] {n.get("step").asDouble(), n.get("loss").asDouble(), n.get("p").asDouble()});
        }
      String task = Files.readString(run.taskYaml(), StandardCharsets.UTF_8);
      String img = grid == null ? "<p>(no samples)</p>"
          : "<img alt=\"LoRA off and on\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(grid)) + "\">";
      Results.Summary s = results.summary();
      String html = """
          <!doctype html>
          <html><head><meta charset="utf-8"><title>dualproc: %s</title>
          <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}img{max-width:100%%;image-rendering:pixelated}
          table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}pre{background:#f6f6f6;padding:1em}</style>
          </head><body>
          <h1>%s</h1>
          <p>%d steps in %.1f s (%.2f s/step).</p>
          <table><tr><th></th><th>LoRA off</th><th>LoRA on</th></tr>
          <tr><th>VLM p(answer)</th><td>%.3f</td><td>%.3f</td></tr>%s</table>
          <h2>Samples</h2><p>Rows: prompt and seed. Columns: LoRA off, on; then the same with the overlay the critic sees.</p>
          %s
          <h2>Training</h2>%s%s
          <h2>Task</h2><pre>%s</pre>
          </body></html>
          """.formatted(esc(run.dir.getFileName().toString()), esc(run.dir.getFileName().toString()), results.steps(),
          results.seconds(), results.secondsPerStep(), s.vlmP().off(), s.vlmP().on(),
          s.verifierPassRate() == null ? "" : "<tr><th>verifier pass rate</th><td>%.3f</td><td>%.3f</td></tr>"
              .formatted(s.verifierPassRate().off(), s.verifierPassRate().on()),
          img, svg(curve, 1, "loss"), svg(curve, 2, "p (answer probability)"), esc(task));
      AtomicFiles.writeString(run.report(), html);
    } catch (IOException e) {
      throw new DualprocException(run.report() + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  /** A polyline of column {@code col} against the step, 600x180, axes labelled with the ranges. */
  static String svg(List<double[]> rows, int col, String title) {
    if (rows.isEmpty()) return "<p>(no steps)</p>";
    double x0 = rows.get(0)[0], x1 = rows.get(rows.size() - 1)[0];
    double lo = rows.stream().mapToDouble(r -> r[col]).filter(Double::isFinite).min().orElse(0);
    double hi = rows.stream().mapToDouble(r -> r[col]).filter(Double::isFinite).max().orElse(1);
    if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
    StringBuilder pts = new StringBuilder();
    for (double[] r : rows) {
      if (!Double.isFinite(r[col])) continue;
      double x = 40 + 550 * (x1 == x0 ? 0.5 : (r[0] - x0) / (x1 - x0));
      double y = 160 - 150 * (r[col] - lo) / (hi - lo);
      pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    return String.format(Locale.ROOT, """
        <figure><figcaption>%s</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="600" height="180" viewBox="0 0 600 180">
        <line x1="40" y1="160" x2="590" y2="160" stroke="#888"/><line x1="40" y1="10" x2="40" y2="160" stroke="#888"/>
        <text x="36" y="14" font-size="10" text-anchor="end">%.3g</text><text x="36" y="160" font-size="10" text-anchor="end">%.3g</text>
        <text x="40" y="174" font-size="10">step %d</text><text x="590" y="174" font-size="10" text-anchor="end">step %d</text>
        <polyline fill="none" stroke="#c00" stroke-width="1.5" points="%s"/></svg></figure>
        """, esc(title), hi, lo, (long) x0, (long) x1, pts.toString().trim());
  }

  static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;"); }
}
