package dev.dualproc.world;

import dev.dualproc.engine.DualprocException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built-in world's weights live: {@code models/world/} under the dualproc home, the repository root. The
 * home is the system property {@code dualproc.home} (the ./dualproc launcher sets it), else the first folder holding
 * {@code models/} or the {@code dualproc} launcher found walking up from where these classes were loaded.
 */
public final class BuiltinModels {
  private BuiltinModels() {}

  public static final String HOME_PROPERTY = "dualproc.home";
  public static final String GENERATOR = "models/world/generator";

  public static Path home() {
    String prop = System.getProperty(HOME_PROPERTY);
    if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath().normalize();
    Path start = codeLocation();
    for (Path p = start; p != null; p = p.getParent())
      if (Files.isDirectory(p.resolve("models")) || Files.isRegularFile(p.resolve("dualproc"))) return p;
    throw new DualprocException("cannot find the dualproc home (a folder holding models/) above " + start
        + "; set -D" + HOME_PROPERTY + "=<repository root>");
  }

  /** The built-in generator's pipeline folder; fails with what to run when its weights are absent. */
  public static Path generator() {
    Path dir = home().resolve(GENERATOR);
    if (!Files.isRegularFile(dir.resolve("model_index.json")))
      throw new DualprocException(dir + ": the built-in world generator's weights are absent; train them with "
          + "`./dualproc world train generator --minutes 60 --out " + GENERATOR + "` (resumable; see its --help)");
    return dir;
  }

  private static Path codeLocation() {
    try {
      return Path.of(BuiltinModels.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | RuntimeException e) {
      return Path.of("").toAbsolutePath();
    }
  }
}
