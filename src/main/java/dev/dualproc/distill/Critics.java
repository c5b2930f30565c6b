package dev.dualproc.distill;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import java.util.List;

/**
 * Opens a critic (VLM) from a model reference ({@code world}, a local folder, an HF repo id in the local cache): the
 * first family that accepts the reference opens it. Each VLM family adds one line to {@link #FAMILIES}.
 */
public final class Critics {
  private Critics() {}

  /** A critic family: which references it reads, and how it opens one on a placement. */
  public interface Family {
    String name();
    boolean accepts(String ref);
    Critic open(String ref, Placement placement);
  }

  /** Idefics2 and Idefics3/SmolVLM HF snapshot folders (or repo ids in the local HF cache). */
  static final Family IDEFICS = new Family() {
    @Override public String name() { return "Idefics2/Idefics3 (HF snapshot folder)"; }
    @Override public boolean accepts(String ref) { return dev.dualproc.model.vlm.IdeficsCritic.accepts(ref); }
    @Override public Critic open(String ref, Placement placement) { return dev.dualproc.model.vlm.IdeficsCritic.open(ref, placement); }
  };

  // one line per family (the VLM branch adds its own); keep this list the only shared edit point
  static final List<Family> FAMILIES = List.of(dev.dualproc.world.critic.WorldCritic.FAMILY, IDEFICS);

  public static Critic open(String ref, Placement placement) {
    for (Family f : FAMILIES) if (f.accepts(ref)) return f.open(ref, placement);
    throw new DualprocException("vlm: no critic family of this build reads '" + ref + "' (families: "
        + (FAMILIES.isEmpty() ? "none yet; the VLM critic is not in this build" : String.join(", ", FAMILIES.stream().map(Family::name).toList()))
        + ")");
  }
}
