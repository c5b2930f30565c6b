package dev.dualproc.world;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built-in world's weights live: {@code models/world/} under the dualproc home, the repository root. The
 * home is the system property {@code dualproc.home} (the ./dualproc launcher sets it), else the first folder holding
 * {@code models/} or the {@code dualproc} launcher found walking up from where these classes were loaded.
 */
public final class BuiltinModels {
  private BuiltinModels() {}

  public static final String HOME_PROPERTY = dev.dualproc.engine.DualprocHome.PROPERTY;
  public static final String GENERATOR = "models/world/generator";

  public static Path home() {
    return dev.dualproc.engine.DualprocHome.find().orElseThrow(() -> new DualprocException(
        "cannot find the dualproc home (a folder holding models/ or the dualproc launcher); set -D" + HOME_PROPERTY + "=<repository root>"));
  }

  /** The built-in generator's pipeline folder; fails with what to run when its weights are absent. */
  public static Path generator() {
    Path dir = home().resolve(GENERATOR);
    if (!Files.isRegularFile(dir.resolve("model_index.json")))
      throw new DualprocException(dir + ": the built-in world generator's weights are absent; train them with "
          + "`./dualproc world train generator --minutes 60 --out " + GENERATOR + "` (resumable; see its --help)");
    return dir;
  }

}
