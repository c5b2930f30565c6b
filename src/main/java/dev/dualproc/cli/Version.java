package dev.dualproc.cli;

import picocli.CommandLine;

/** The version from the jar manifest (or "dev" when run from classes). */
public final class Version implements CommandLine.IVersionProvider {
  public static String get() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-dev" : v;
  }

  @Override public String[] getVersion() {
    return new String[] {"dualproc " + get(), "libtorch 2.10.0 (JavaCPP 1.5.13), Java " + Runtime.version()};
  }
}
