package dev.dualproc.eval;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.tasks.OverlayParams;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Verifiers by control preset. */
public final class Verifiers {
  private Verifiers() {}

  /** The presets that have a verifier ("objects" checks the prompt's objects; it takes no params). */
  public static final List<String> PRESETS = List.of("horizon", "line-weight", "palette", "depth", "objects");

  /** The verifier for a control preset, or empty when none exists. params: horizon {"value": 0.3};
   *  line-weight {"value": 3} (px at the image's size); palette {"colors": ["#RRGGBB", ...]};
   *  depth {"a": [x, y], "b": [x, y], "closer": "A"|"B"} (fractions); prompt = the caption used. */
  public static Optional<Verifier> forControl(String preset, Map<String, Object> params, String prompt) {
    Map<String, Object> p = params == null ? Map.of() : params;
    String name = preset == null ? "" : preset;
    try {
      return Optional.ofNullable(switch (name) {
        case "horizon" -> new HorizonVerifier(OverlayParams.number(p, "value", name, 0, 1));
        case "line-weight" -> new StrokeVerifier(OverlayParams.number(p, "value", name, 0.5, 1024));
        case "palette" -> new PaletteVerifier(OverlayParams.colours(p, name));
        case "depth" -> {
          double[] a = OverlayParams.point(p, "a", name), b = OverlayParams.point(p, "b", name);
          yield new DepthVerifier(a[0], a[1], b[0], b[1], OverlayParams.closer(p, name));
        }
        case "objects" -> ObjectsVerifier.forCaption(prompt);
        default -> null;
      });
    } catch (IllegalArgumentException e) {
      throw new DualprocException("control '" + preset + "': " + e.getMessage(), e);
    }
  }
}
