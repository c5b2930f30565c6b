package dev.dualproc.world;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scene's ground truth as JSON: what `dualproc world render` writes beside the PNG. Lengths in pixels, rows from the
 * top; palette and colours as "#RRGGBB"; depth is the per-pixel depth map, rows top to bottom (sky = SKY_DEPTH).
 */
public final class TruthJson {
  private TruthJson() {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static Map<String, Object> of(SceneTruth t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", t.seed());
    m.put("width", t.width());
    m.put("height", t.height());
    m.put("caption", Captions.caption(t));
    m.put("style", t.style().name().toLowerCase(java.util.Locale.ROOT));
    m.put("time_of_day", t.timeOfDay() == null ? null : t.timeOfDay().word());
    m.put("ground", t.ground() == null ? null : t.ground().word());
    m.put("horizon_row", round(t.horizonRow()));
    m.put("horizon_fraction", round(t.horizonFraction()));
    m.put("first_ground_row", t.firstGroundRow());
    m.put("stroke_weight", t.strokeWeight());
    m.put("palette", t.palette() == null ? null : t.palette().stream().map(NamedColour::hex).toList());
    List<Map<String, Object>> objects = new ArrayList<>();
    for (SceneObject o : t.objects()) {
      Map<String, Object> om = new LinkedHashMap<>();
      om.put("kind", o.kind().singular);
      om.put("colour", o.colour().word);
      om.put("rgb", o.colour().hex());
      om.put("centre_x", round(o.centreX()));
      om.put("base_row", round(o.baseRow()));
      om.put("size", round(o.size()));
      om.put("bbox", List.of(o.x0(), o.y0(), o.x1(), o.y1()));
      om.put("depth", round(o.depth()));
      objects.add(om);
    }
    m.put("objects", objects);
    Celestial c = t.celestial();
    m.put("celestial", c == null ? null : Map.of("kind", c.kind(), "centre_x", round(c.centreX()), "centre_y", round(c.centreY()),
        "radius", round(c.radius()), "rgb", Rgb.hex(c.rgb())));
    m.put("sky_depth", SceneTruth.SKY_DEPTH);
    List<double[]> depth = new ArrayList<>();
    for (float[] row : t.depth()) {
      double[] r = new double[row.length];
      for (int x = 0; x < row.length; x++) r[x] = round(row[x]);
      depth.add(r);
    }
    m.put("depth", depth);
    return m;
  }

  public static String write(SceneTruth t) {
    try {
      return JSON.writeValueAsString(of(t)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double round(double v) { return Math.round(v * 1e4) / 1e4; }
}
