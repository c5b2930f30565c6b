package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafeTensorsRoundTripTest {
  /** Random bytes cover every bit pattern of the dtype (NaN payloads, -0, subnormals, inf); bools stay 0/1. */
  static byte[] randomBytes(DType d, int numel, long seed) {
    byte[] b = new byte[numel * d.size];
    new Random(seed).nextBytes(b);
    if (d == DType.BOOL) for (int i = 0; i < b.length; i++) b[i] &= 1;
    return b;
  }

  @ParameterizedTest @EnumSource(DType.class)
  void everyDtypeRoundTripsBitForBit(DType d, @TempDir Path dir) throws Exception {
    byte[] raw = randomBytes(d, 5 * 7, d.ordinal());
    Tensor t = Tensors.fromBytes(raw, d.scalarType, 5, 7);
    Tensor scalar = Tensors.fromBytes(randomBytes(d, 1, 99), d.scalarType); // 0-dim
    Tensor empty = Tensors.fromBytes(new byte[0], d.scalarType, 0, 3);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("t", t);
    m.put("scalar", scalar);
    m.put("empty", empty);
    Path f = dir.resolve(d + ".safetensors");
    SafeTensorsWriter.write(f, m, Map.of("dtype", d.name()));

    // the file itself, read without our reader: header JSON as the format says, data bytes in order
    byte[] file = Files.readAllBytes(f);
    long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(n % 8).as("header padded to 8 bytes").isZero();
    JsonNode h = new ObjectMapper().readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
    assertThat(h.get("t").get("dtype").asText()).isEqualTo(d.name());
    assertThat(h.get("t").get("shape").toString()).isEqualTo("[5,7]");
    assertThat(h.get("scalar").get("shape").toString()).isEqualTo("[]");
    assertThat(h.get("__metadata__").get("dtype").asText()).isEqualTo(d.name());
    long begin = h.get("t").get("data_offsets").get(0).asLong();
    assertThat(Arrays.copyOfRange(file, (int) (8 + n + begin), (int) (8 + n + begin + raw.length))).isEqualTo(raw);

    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(st.metadata()).containsEntry("dtype", d.name());
      assertThat(st.dtype("t")).isEqualTo(d);
      assertThat(st.shape("t")).containsExactly(5, 7);
      Tensor loaded = st.load("t");
      assertThat(Tensors.isDtype(loaded, d.scalarType)).isTrue();
      assertThat(Tensors.shape(loaded)).containsExactly(5, 7);
      assertThat(Tensors.bytes(loaded)).as("load").isEqualTo(raw);
      assertThat(Tensors.bytes(st.view("t"))).as("view").isEqualTo(raw);
      assertThat(Tensors.bytes(st.load("scalar"))).isEqualTo(Tensors.bytes(scalar));
      assertThat(st.load("scalar").dim()).isZero();
      assertThat(Tensors.shape(st.load("empty"))).containsExactly(0, 3);
    }
  }

  @Test void nonContiguousAndGradTensorsAreWrittenAsTheirValues(@TempDir Path dir) {
    Tensor base = Rng.normal(3, 4, 6);
    Tensor transposed = base.t(); // [6, 4], not contiguous
    Tensor leaf = Rng.normal(4, 3).requires_grad_(true);
    Path f = dir.resolve("x.safetensors");
    SafeTensorsWriter.write(f, Map.of("t", transposed, "leaf", leaf), null);
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(Tensors.floats(st.load("t"))).containsExactly(Tensors.floats(transposed.contiguous()));
      assertThat(Tensors.floats(st.load("leaf"))).containsExactly(Tensors.floats(leaf));
      assertThat(st.metadata()).isEmpty();
    }
  }

  @Test void readsTheSharedReferenceFixture() {
    Path fixture = Fixtures.flux("tiny-schnell-sample.safetensors");
    try (SafeTensorsFile st = SafeTensorsFile.open(fixture)) {
      assertThat(st.names()).hasSize(16).contains("noise", "noise_seed", "traj");
      assertThat(st.dtype("noise_seed")).isEqualTo(DType.I64);
      assertThat(st.shape("traj")).containsExactly(5, 2, 96, 16);
      // traj[0] is the packed start state img (fixture README)
      assertThat(Tensors.maxAbsDiff(st.load("traj").select(0, 0), st.load("img"))).isZero();
    }
  }

  @Test void largeTensorsAreWrittenInChunksWithoutLosingBytes(@TempDir Path dir) {
    byte[] raw = randomBytes(DType.F32, 1000, 5);
    Tensor t = Tensors.fromBytes(raw, DType.F32.scalarType, 10, 100);
    Path f = dir.resolve("chunked.safetensors");
    SafeTensorsWriter.write(f, Map.of("t", t, "u", Rng.normal(1, 3)), null, 7); // 7-byte writes: chunks cross elements
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(Tensors.bytes(st.load("t"))).isEqualTo(raw);
      assertThat(Tensors.bytes(st.load("u"))).isEqualTo(Tensors.bytes(Rng.normal(1, 3)));
    }
  }
}
