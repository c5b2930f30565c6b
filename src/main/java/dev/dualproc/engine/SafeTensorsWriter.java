package dev.dualproc.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Writes tensors as safetensors, atomically (temp file, fsync, rename). */
public final class SafeTensorsWriter {
  private SafeTensorsWriter() {}

  public static void write(Path target, Map<String, Tensor> tensors, Map<String, String> metadata) {
    write(target, tensors, metadata, 1 << 30);
  }

  /** {@code chunkBytes}: the largest single write (a ByteBuffer holds at most 2 GB); small values let tests cover the chunking. */
  static void write(Path target, Map<String, Tensor> tensors, Map<String, String> metadata, int chunkBytes) {
    if (tensors.containsKey("__metadata__")) throw new IllegalArgumentException(target + ": '__metadata__' is not a tensor name");
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    Map<String, Tensor> cpu = new LinkedHashMap<>();
    long offset = 0;
    for (var e : tensors.entrySet()) {
      Tensor t = e.getValue().detach().cpu().contiguous();
      DType d = DType.of(t.scalar_type());
      ObjectNode n = header.putObject(e.getKey());
      n.put("dtype", d.name());
      var shape = n.putArray("shape");
      for (long s : Tensors.shape(t)) shape.add(s);
      long bytes = t.numel() * d.size;
      n.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
      cpu.put(e.getKey(), t);
    }
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    int pad = (8 - h.length % 8) % 8; // keep the data area 8-byte aligned, as the reference writer does
    byte[] headerBytes = new byte[h.length + pad];
    System.arraycopy(h, 0, headerBytes, 0, h.length);
    for (int i = h.length; i < headerBytes.length; i++) headerBytes[i] = ' ';
    AtomicFiles.write(target, ch -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).flip();
      while (len.hasRemaining()) ch.write(len);
      ByteBuffer hb = ByteBuffer.wrap(headerBytes);
      while (hb.hasRemaining()) ch.write(hb);
      for (Tensor t : cpu.values()) {
        long n = t.nbytes();
        if (n == 0) continue;
        BytePointer p = new BytePointer(t.data_ptr());
        for (long done = 0; done < n; ) {
          int chunk = (int) Math.min(n - done, chunkBytes);
          ByteBuffer b = p.position(done).limit(done + chunk).asByteBuffer();
          while (b.hasRemaining()) ch.write(b);
          done += chunk;
        }
      }
    });
  }
}
