package dev.dualproc.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import static org.bytedeco.pytorch.global.torch.from_blob;

/** A safetensors file mapped read-only through FFM (one mapping, any size); tensors are validated before any read. */
public final class SafeTensorsFile implements TensorSource {
  private final Path path;
  private final Arena arena;
  private final MemorySegment data;
  public final SafeTensorsHeader header;

  private SafeTensorsFile(Path path, Arena arena, MemorySegment data, SafeTensorsHeader header) {
    this.path = path; this.arena = arena; this.data = data; this.header = header;
  }

  public static SafeTensorsFile open(Path path) {
    String file = path.toString();
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) throw new DualprocException(file + ": truncated: " + size + " bytes, a safetensors file starts with an 8-byte header length");
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long headerLength = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
      if (headerLength < 2 || headerLength > SafeTensorsHeader.MAX_HEADER || headerLength > size - 8)
        throw new DualprocException(file + ": corrupt or truncated header: header length " + headerLength + " does not fit the file (" + size + " bytes)");
      byte[] json = seg.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
      SafeTensorsHeader header = SafeTensorsHeader.parse(file, headerLength, json, size);
      return new SafeTensorsFile(path, arena, seg, header);
    } catch (NoSuchFileException e) {
      arena.close();
      throw new DualprocException(file + ": no such file");
    } catch (IOException e) {
      arena.close();
      throw new DualprocException(file + ": cannot read (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  public Path path() { return path; }
  public Map<String, String> metadata() { return header.metadata; }
  public TensorInfo info(String name) {
    TensorInfo t = header.tensors.get(name);
    if (t == null) throw new DualprocException(path + ": no tensor named '" + name + "'");
    return t;
  }

  @Override public String origin() { return path.toString(); }
  @Override public Collection<String> names() { return header.tensors.keySet(); }
  @Override public boolean contains(String name) { return header.tensors.containsKey(name); }
  @Override public DType dtype(String name) { return info(name).dtype(); }
  @Override public long[] shape(String name) { return info(name).shape().clone(); }

  /** A tensor over the mapped bytes, no copy: valid only while this file is open. */
  public Tensor view(String name) {
    TensorInfo t = info(name);
    // after close() the mapping is gone: reading it from native code would kill the JVM
    if (!arena.scope().isAlive()) throw new DualprocException(path + ": tensor '" + name + "' read after the file was closed");
    long at = data.address() + header.dataStart + t.begin();
    long n = t.byteSize();
    // the Pointer's own fields shadow outer names inside the initializer, hence `at`/`n`
    Pointer p = new Pointer() { { address = at; limit = n; capacity = n; } };
    return from_blob(p, t.shape(), new TensorOptions(t.dtype().scalarType));
  }

  /** A view of the process-lifetime private mapping of this file ({@link MappedFiles}): no copy, survives close(). */
  @Override public Tensor mapped(String name) {
    TensorInfo t = info(name);
    if (t.numel() == 0) return load(name);
    long at = MappedFiles.address(path, data.byteSize()) + header.dataStart + t.begin();
    long n = t.byteSize();
    Pointer p = new Pointer() { { address = at; limit = n; capacity = n; } };
    return from_blob(p, t.shape(), new TensorOptions(t.dtype().scalarType));
  }

  @Override public Tensor load(String name) {
    if (info(name).numel() == 0) return org.bytedeco.pytorch.global.torch.zeros(info(name).shape(), new TensorOptions(info(name).dtype().scalarType));
    return view(name).clone();
  }

  public static boolean looksLikeSafeTensors(Path p) {
    return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".safetensors");
  }

  @Override public void close() { if (arena.scope().isAlive()) arena.close(); }
}
