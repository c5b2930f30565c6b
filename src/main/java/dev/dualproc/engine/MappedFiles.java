package dev.dualproc.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weight files mapped once for the life of the process, copy-on-write: tensors built over them need no copy, stay
 * valid after the file object is closed (a model outlives its loader), and an in-place write (a LoRA merge, a training
 * update) changes private pages only, never the file. A file replaced on disk (another inode, size or time) is mapped anew.
 */
final class MappedFiles {
  private MappedFiles() {}

  private record Key(Path path, Object inode, long size, long modified) {}

  private static final Map<Key, MemorySegment> MAPPED = new ConcurrentHashMap<>();

  /** The base address of the mapping of {@code file}, which must be {@code expectedSize} bytes long. */
  static long address(Path file, long expectedSize) {
    try {
      Path real = file.toRealPath();
      BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
      Key key = new Key(real, attrs.fileKey(), attrs.size(), attrs.lastModifiedTime().toMillis());
      if (key.size() != expectedSize) throw new DualprocException(file + ": changed on disk while open (" + key.size() + " bytes, was " + expectedSize + ")");
      return MAPPED.computeIfAbsent(key, k -> map(k.path(), k.size())).address();
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot map (" + e.getMessage() + ")", e);
    }
  }

  private static final Linker C = Linker.nativeLinker();
  private static final MethodHandle OPEN = C.downcallHandle(C.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = C.downcallHandle(C.defaultLookup().find("close").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle MMAP = C.downcallHandle(C.defaultLookup().find("mmap").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
          ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
  private static final int O_RDONLY = 0, PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2;

  // mmap(2) itself: Java's FileChannel wants a writable file for a private mapping, POSIX does not (weights may be read-only)
  private static MemorySegment map(Path file, long size) {
    try (Arena a = Arena.ofConfined()) {
      int fd = (int) OPEN.invokeExact(a.allocateFrom(file.toString()), O_RDONLY);
      if (fd < 0) throw new DualprocException(file + ": cannot open for mapping");
      try {
        MemorySegment m = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0L);
        if (m.address() == -1L) throw new DualprocException(file + ": mmap failed (" + size + " bytes)");
        return m.reinterpret(size);
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd); // the mapping stays valid after close(2)
      }
    } catch (DualprocException e) {
      throw e;
    } catch (Throwable t) {
      throw new DualprocException(file + ": cannot map (" + t + ")", t);
    }
  }
}
