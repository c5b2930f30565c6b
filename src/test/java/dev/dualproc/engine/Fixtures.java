package dev.dualproc.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared reference fixtures (../shared/fixtures, or -Ddualproc.shared=...). */
public final class Fixtures {
  private Fixtures() {}

  public static Path shared() {
    return Path.of(System.getProperty("dualproc.shared", "../shared")).toAbsolutePath().normalize();
  }

  /** A file of fixtures/flux; fails (not skips) when the shared folder is missing: CI must have it. */
  public static Path flux(String name) {
    Path p = shared().resolve("fixtures").resolve("flux").resolve(name);
    if (!Files.isRegularFile(p)) throw new AssertionError("missing fixture " + p + " (is ../shared beside the repository?)");
    return p;
  }
}
