package dev.dualproc.world.critic;

import dev.dualproc.distill.Critic;
import dev.dualproc.distill.Critics;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.DualprocHome;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import java.nio.file.Files;
import java.nio.file.Path;

/** The critic reference {@code world}: the built-in critic at models/world/vlm under the dualproc home. */
public final class WorldCritic {
  private WorldCritic() {}

  public static final String REF = "world";
  public static final String FOLDER = "world/vlm";

  public static Path folder() { return DualprocHome.model(FOLDER); }

  public static IdeficsCritic open(Placement placement) {
    Path dir;
    try {
      dir = folder();
    } catch (DualprocException noHome) {
      throw new DualprocException("the built-in critic is missing (" + noHome.getMessage() + "); run dualproc world train vlm", noHome);
    }
    if (!Files.isRegularFile(dir.resolve("config.json")))
      throw new DualprocException("the built-in critic is missing: " + dir + " has no config.json; run dualproc world train vlm"
          + " (it writes models/" + FOLDER + ")");
    return IdeficsCritic.load(dir, placement);
  }

  public static final Critics.Family FAMILY = new Critics.Family() {
    @Override public String name() { return "world (built-in critic, models/" + FOLDER + ")"; }
    @Override public boolean accepts(String ref) { return REF.equals(ref); }
    @Override public Critic open(String ref, Placement placement) { return WorldCritic.open(placement); }
  };
}
