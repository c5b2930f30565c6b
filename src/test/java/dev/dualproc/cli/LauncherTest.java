package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK search shared by ./dualproc and ./test (scripts/find-jdk.sh), against fake JDKs. */
class LauncherTest {
  static final Path ROOT = Path.of("").toAbsolutePath();
  @TempDir Path tmp;

  /** A fake JDK whose `java` reports the given version and home, like -XshowSettings:properties does. */
  Path fakeJdk(String name, int version, boolean javac) throws Exception {
    Path home = tmp.resolve("jvm").resolve(name);
    Path bin = Files.createDirectories(home.resolve("bin"));
    script(bin.resolve("java"), "#!/bin/sh\necho 'Property settings:' >&2\necho '    java.home = " + home + "' >&2\n"
        + "echo '    java.specification.version = " + version + "' >&2\n");
    if (javac) script(bin.resolve("javac"), "#!/bin/sh\nexit 0\n");
    return home;
  }

  static void script(Path p, String text) throws Exception {
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A PATH with the shell tools the scripts use (as small forwarding scripts) but no java. */
  Path toolsWithoutJava() throws Exception {
    Path bin = tmp.resolve("tools");
    if (Files.isDirectory(bin)) return bin;
    Files.createDirectories(bin);
    for (String t : List.of("bash", "sed", "head", "find", "sort", "awk", "paste", "dirname", "readlink", "cat", "mktemp", "grep", "rm", "env")) {
      for (String dir : List.of("/usr/bin", "/bin")) {
        Path real = Path.of(dir, t);
        if (Files.isExecutable(real)) { script(bin.resolve(t), "#!/bin/sh\nexec " + real + " \"$@\"\n"); break; }
      }
    }
    return bin;
  }

  record Result(int exit, String out, String err) {}

  Result bash(String command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", command).directory(ROOT.toFile());
    pb.environment().remove("JAVA_HOME");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(tmp, "o", ""), err = Files.createTempFile(tmp, "e", "");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new AssertionError("timeout"); }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  static final String FIND = "source scripts/find-jdk.sh && find_jdk && echo \"$DUALPROC_JDK $DUALPROC_JDK_VERSION\"";

  @Test void picksTheNewestJdkWithJavacFromTheJvmFolder() throws Exception {
    fakeJdk("java-17-openjdk", 17, true);
    Path jdk26 = fakeJdk("zulu-26", 26, true);
    fakeJdk("temurin-25-jre", 25, false);
    Path jdk25 = fakeJdk("temurin-25-jdk", 25, true);
    Result r = bash(FIND, Map.of("PATH", toolsWithoutJava().toString(), "DUALPROC_JVM_DIR", tmp.resolve("jvm").toString()));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().trim()).isEqualTo(jdk26 + " 26");
    // JAVA_HOME wins when it is good enough
    r = bash(FIND, Map.of("PATH", toolsWithoutJava().toString(), "DUALPROC_JVM_DIR", tmp.resolve("jvm").toString(), "JAVA_HOME", jdk25.toString()));
    assertThat(r.out().trim()).isEqualTo(jdk25 + " 25");
  }

  @Test void withoutAJdk25TheLauncherSaysWhatItNeedsAndExits2() throws Exception {
    Path old = fakeJdk("java-17-openjdk", 17, true);
    Map<String, String> env = Map.of("PATH", toolsWithoutJava().toString(), "DUALPROC_JVM_DIR", tmp.resolve("jvm").toString(),
        "JAVA_HOME", old.toString());
    Result r = bash("./dualproc doctor", env);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("needs a JDK 25 or newer", old + " (Java 17)");
    assertThat(r.out()).isEmpty();
    assertThat(bash("./test", env).exit()).isEqualTo(2);
  }
}
