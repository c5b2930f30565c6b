package dev.dualproc.engine;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The dualproc home: the repository root, where the built-in models live under {@code models/}. The system property
 * {@code dualproc.home} names it; otherwise it is the first folder holding {@code models/} found by walking up from
 * the jar or classes folder this code runs from (or the folder of the ./dualproc launcher) (target/dualproc.jar and target/classes both sit below the root).
 */
public final class DualprocHome {
  private DualprocHome() {}

  public static final String PROPERTY = "dualproc.home";

  public static Optional<Path> find() {
    String p = System.getProperty(PROPERTY);
    if (p != null && !p.isBlank()) return Optional.of(Path.of(p).toAbsolutePath());
    try {
      var source = DualprocHome.class.getProtectionDomain().getCodeSource();
      if (source == null) return Optional.empty();
      for (Path d = Path.of(source.getLocation().toURI()).toAbsolutePath(); d != null; d = d.getParent())
        if (Files.isDirectory(d.resolve("models")) || Files.isRegularFile(d.resolve("dualproc"))) return Optional.of(d);
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** home/models/relative, or an error saying how the home is found. */
  public static Path model(String relative) {
    Path home = find().orElseThrow(() -> new DualprocException("no dualproc home found: no folder holding models/ above "
        + codeLocation() + " and no -D" + PROPERTY + "=DIR"));
    return home.resolve("models").resolve(relative);
  }

  private static String codeLocation() {
    var source = DualprocHome.class.getProtectionDomain().getCodeSource();
    return source == null ? "(unknown code location)" : source.getLocation().toString();
  }
}
