package dev.dualproc.distill;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import java.util.List;

/**
 * Opens a generator from a model reference ({@code world}, a local folder or file, an HF repo id in the local cache):
 * the first family that accepts the reference opens it. Each model family adds one line to {@link #FAMILIES}.
 */
public final class Generators {
  private Generators() {}

  /** A generator family: which references it reads, and how it opens one on a placement. */
  public interface Family {
    String name();
    boolean accepts(String ref);
    Generator open(String ref, Placement placement, Size size);
  }

  /** Image size and sampling steps asked for; 0 = the model's default. */
  public record Size(int width, int height, int steps) {
    public static final Size DEFAULT = new Size(0, 0, 0);
  }

  // one line per family (the FLUX branch adds its own); keep this list the only shared edit point
  static final List<Family> FAMILIES = List.of(dev.dualproc.world.WorldGeneratorFamily.INSTANCE, dev.dualproc.model.flux.FluxFamily.INSTANCE);

  public static Generator open(String ref, Placement placement) { return open(ref, placement, Size.DEFAULT); }

  public static Generator open(String ref, Placement placement, Size size) {
    for (Family f : FAMILIES) if (f.accepts(ref)) return f.open(ref, placement, size);
    throw new DualprocException("generator: no generator family of this build reads '" + ref + "' (families: "
        + (FAMILIES.isEmpty() ? "none yet; the FLUX generator is not in this build" : String.join(", ", FAMILIES.stream().map(Family::name).toList()))
        + ")");
  }
}
