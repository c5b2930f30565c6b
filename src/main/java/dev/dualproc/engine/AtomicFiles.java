package dev.dualproc.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;

/** Writes that never leave a half-written file: temp file in the same folder, fsync, atomic rename. */
public final class AtomicFiles {
  private AtomicFiles() {}

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  @FunctionalInterface public interface ChannelWriter { void write(FileChannel ch) throws IOException; }

  public static void write(Path target, ChannelWriter writer) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      // createFile (not createTempFile, which makes 0600 files) so the result gets the usual umask permissions
      tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
      Files.createFile(tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(ch);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) { d.force(true); } catch (IOException ignored) {
        // some file systems cannot fsync a directory; the rename itself is still atomic
      }
    } catch (IOException e) {
      throw new DualprocException(target + ": could not write (" + e.getMessage() + "); the previous file, if any, is unchanged", e);
    } finally {
      if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
    }
  }

  public static void write(Path target, byte[] bytes) {
    write(target, ch -> { ByteBuffer b = ByteBuffer.wrap(bytes); while (b.hasRemaining()) ch.write(b); });
  }

  public static void writeString(Path target, String text) { write(target, text.getBytes(StandardCharsets.UTF_8)); }
}
