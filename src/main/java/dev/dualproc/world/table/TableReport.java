package dev.dualproc.world.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** table.md: one row per cell, the prompts, and a summary per preset. */
public final class TableReport {
  private TableReport() {}

  public static String markdown(Table t) {
    StringBuilder b = new StringBuilder("# Teaching table\n\n");
    JsonNode s = t.sharedSpec();
    b.append(String.format(Locale.ROOT, "Grid %s; generator %s, critic %s; %s steps, lr %s, rank %s; %s evaluation seeds; overrides: %s.%n",
        t.grid(), text(s, "generator"), text(s, "critic"), text(s, "steps"), text(s, "lr"), text(s, "rank"),
        t.rows().isEmpty() ? "0" : Integer.toString(t.rows().get(0).evalSeeds()), t.overrides().isEmpty() ? "none" : t.overrides().toString()));
    TeachingGrid.Target g = t.target();
    b.append(String.format(Locale.ROOT, "Target per row: pass-and-valid with the LoRA on >= %s where off <= %s; captioned objects found on >= %.2f x off; "
        + "<= %.0f s wall per 100 steps (model loading and training; evaluation excluded).%n%n", pct(g.onAtLeast()), pct(g.offAtMost()),
        g.objectsRatioAtLeast(), g.secondsPer100StepsAtMost()));
    b.append("| preset | prompt | teaching seed | pass+valid off | pass+valid on | valid off | valid on | objects on/off | s/100 steps | meets target |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, String> prompts = new LinkedHashMap<>();
    for (CellResult r : t.rows()) {
      prompts.putIfAbsent(r.preset() + " " + r.promptNumber(), r.prompt());
      b.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %.1f | %s |%n", r.preset(), r.promptNumber(), r.teachingSeed(),
          pct(r.passValid().off()), pct(r.passValid().on()), pct(r.valid().off()), pct(r.valid().on()), ratio(r.objectsRatio(), r),
          r.secondsPer100Steps(), r.meetsTarget() ? "yes" : "no: " + String.join("; ", r.misses())));
    }
    b.append("\nPrompts:\n");
    prompts.forEach((k, p) -> b.append("- ").append(k).append(": \"").append(p).append("\"\n"));
    b.append("\n| preset | rows meeting target | mean off | mean on | max off | min on | min objects on/off | max s/100 steps |\n");
    b.append("|---|---|---|---|---|---|---|---|\n");
    for (Table.PresetSummary p : t.presets())
      b.append(String.format(Locale.ROOT, "| %s | %d/%d | %s | %s | %s | %s | %s | %.1f |%n", p.preset(), p.meetTarget(), p.rows(),
          pct(p.meanOff()), pct(p.meanOn()), pct(p.maxOff()), pct(p.minOn()),
          p.minObjectsRatio() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", p.minObjectsRatio()), p.maxSecondsPer100Steps()));
    long meet = t.rows().stream().filter(CellResult::meetsTarget).count();
    b.append(String.format(Locale.ROOT, "%n%s%n", meet == t.rows().size() && meet > 0 ? "Every row meets the target (" + meet + " rows)."
        : meet + " of " + t.rows().size() + " rows meet the target."));
    return b.toString();
  }

  private static String text(JsonNode n, String field) {
    if (!n.has(field)) return "(varies)";
    JsonNode v = n.get(field);
    return v.isFloatingPointNumber() ? new java.math.BigDecimal(v.asText()).stripTrailingZeros().toString() : v.asText(); // 5e-5 as 0.00005
  }

  private static String pct(double v) { return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v); }

  /** The ratio, or "n/a (0 off)" when no image had the objects with the LoRA off. */
  private static String ratio(Double r, CellResult c) {
    return r == null ? String.format(Locale.ROOT, "n/a (%s off, %s on)", pct(c.objects().off()), pct(c.objects().on()))
        : String.format(Locale.ROOT, "%.2f (%s / %s)", r, pct(c.objects().on()), pct(c.objects().off()));
  }
}
