package dev.dualproc.eval;

import dev.dualproc.world.CaptionSpec;
import dev.dualproc.world.Captions;
import dev.dualproc.world.Rgb;
import dev.dualproc.world.Style;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the verifiers measure on any image, with no target: what `dualproc world verify IMAGE` prints first. */
public final class SceneDescription {
  private SceneDescription() {}

  public static Map<String, Object> of(SceneAnalysis a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", a.width + "x" + a.height);
    m.putAll(Measured.of(a));
    m.put("horizonFraction", Measured.round(a.horizonFraction()));
    int stroke = StrokeVerifier.measure(a);
    m.put("style", stroke > 0 ? "drawing" : "photo");
    m.put("strokeWeight", stroke);
    m.put("dominantColours", PaletteVerifier.dominant(a.px, 6).stream().map(Rgb::hex).toList());
    m.put("objects", a.objects.stream().map(DetectedObject::describe).toList());
    m.put("caption", caption(a, stroke > 0));
    return m;
  }

  /** The caption of what was found (objects left to right, grouped by kind and colour), without ground or time. */
  static String caption(SceneAnalysis a, boolean drawing) {
    Map<String, CaptionSpec.Group> groups = new LinkedHashMap<>();
    a.objects.stream().sorted(Comparator.comparingDouble(o -> o.x0() + o.x1())).forEach(o -> groups.merge(
        o.kind() + "/" + o.colour(), new CaptionSpec.Group(o.kind(), o.colour(), 1),
        (p, q) -> new CaptionSpec.Group(p.kind(), p.colour(), Math.min(3, p.count() + 1))));
    if (groups.isEmpty()) return "";
    return Captions.caption(new CaptionSpec(drawing ? Style.DRAWING : Style.PHOTO, List.copyOf(groups.values()), null, null, List.of()));
  }

}
