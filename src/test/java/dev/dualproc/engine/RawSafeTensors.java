package dev.dualproc.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte, so tests can build exactly the broken file they need. */
final class RawSafeTensors {
  private RawSafeTensors() {}

  /** 8-byte little-endian length of the (space-padded) header, the header, then the data bytes. */
  static Path write(Path file, String headerJson, byte[] data) throws IOException {
    byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    return write(file, padded, headerJson + " ".repeat(padded - h.length), data);
  }

  /** The same with an arbitrary declared header length (for corrupt-length cases). */
  static Path write(Path file, long declaredLength, String headerJson, byte[] data) throws IOException {
    byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredLength).put(h).put(data);
    Files.write(file, b.array());
    return file;
  }

  static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) b.putFloat(f);
    return b.array();
  }
}
