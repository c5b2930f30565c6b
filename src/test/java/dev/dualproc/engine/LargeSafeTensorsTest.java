package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file over 2 GB (sparse: only a few pages are ever written) is mapped in one piece and read at its far end. */
class LargeSafeTensorsTest {
  @Test void readsTensorsBeyondTwoGigabytes(@TempDir Path dir) throws Exception {
    long bigBytes = (2L << 30) + 12_345; // U8 "big" spans the 2 GiB mark
    String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + bigBytes + "],\"data_offsets\":[0," + bigBytes + "]},"
        + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + bigBytes + "," + (bigBytes + 16) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + h.length;
    Path f = dir.resolve("big.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(dataStart + bigBytes + 16); // holes cost no disk
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      raf.write(h);
      raf.seek(dataStart + (1L << 31) + 7); // past the 2^31 byte mark
      raf.write(new byte[] {42, -1, 17});
      raf.seek(dataStart + bigBytes);
      raf.write(RawSafeTensors.floats(1.5f, -2f, 3.25f, 1e6f));
    }
    assertThat(Files.size(f)).isGreaterThan(1L << 31);
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(st.shape("big")).containsExactly(bigBytes);
      assertThat(Tensors.floats(st.view("tail"))).containsExactly(1.5f, -2f, 3.25f, 1e6f);
      assertThat(Tensors.floats(st.load("tail"))).containsExactly(1.5f, -2f, 3.25f, 1e6f);
      byte[] near = Tensors.bytes(st.view("big").narrow(0, (1L << 31) + 6, 5));
      assertThat(near).containsExactly(0, 42, -1, 17, 0);
      assertThat(Tensors.bytes(st.view("big").narrow(0, bigBytes - 2, 2))).containsExactly(0, 0);
    }
  }
}
