package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @Test void replacesTheFileAndLeavesNoTempFiles(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("sub/state.json");
    AtomicFiles.writeString(f, "one");
    AtomicFiles.writeString(f, "two");
    assertThat(Files.readString(f)).isEqualTo("two");
    try (Stream<Path> s = Files.list(f.getParent())) { assertThat(s).containsExactly(f); }
  }

  @Test void aFailedWriteKeepsTheOldFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("lora.safetensors");
    AtomicFiles.writeString(f, "old");
    assertThatThrownBy(() -> AtomicFiles.write(f, ch -> { throw new IOException("disk full"); }))
        .isInstanceOf(DualprocException.class).hasMessageContainingAll(f.toString(), "disk full", "unchanged");
    assertThat(Files.readString(f)).isEqualTo("old");
    try (Stream<Path> s = Files.list(dir)) { assertThat(s).containsExactly(f); }
  }

  @Test void writtenFilesAreReadableByOthersLikeAnyNewFile(@TempDir Path dir) throws Exception {
    // a temp file made by createTempFile is owner-only (0600); results must get the usual umask (normally 0644)
    Path plain = Files.createFile(dir.resolve("plain"));
    Path f = dir.resolve("image.png");
    AtomicFiles.writeString(f, "x");
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(Files.getPosixFilePermissions(plain));
    assertThat(Files.getPosixFilePermissions(f)).contains(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }
}
