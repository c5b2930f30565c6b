package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every broken header is rejected before any tensor data is read, with a message naming the file and the tensor. */
class SafeTensorsCorruptionTest {
  @TempDir Path dir;

  static final String GOOD_A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

  /** name, header JSON, data bytes, words the message must contain (besides the file name). */
  static Stream<Arguments> headerCases() {
    byte[] data16 = new byte[16];
    return Stream.of(
        Arguments.of("bad-json", "{\"a\":{\"dtype\":\"F32\",", data16, new String[] {"corrupt header", "not valid JSON"}),
        Arguments.of("trailing-garbage", "{" + GOOD_A + "} x", data16, new String[] {"corrupt header", "not valid JSON"}),
        Arguments.of("duplicate-name", "{" + GOOD_A + "," + GOOD_A + "}", data16, new String[] {"corrupt header", "a"}),
        Arguments.of("non-object", "[1,2,3]", data16, new String[] {"corrupt header", "expected a JSON object"}),
        Arguments.of("tensor-not-object", "{\"w\":[1]}", data16, new String[] {"'w'", "expected an object"}),
        Arguments.of("missing-dtype", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data16, new String[] {"'w'", "missing dtype"}),
        Arguments.of("unknown-dtype", "{\"w\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,8]}}", data16,
            new String[] {"'w'", "unknown dtype 'F7'", "F32"}),
        Arguments.of("negative-shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", data16,
            new String[] {"'w'", "bad shape"}),
        Arguments.of("fractional-shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", data16,
            new String[] {"'w'", "bad shape"}),
        Arguments.of("string-shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", data16,
            new String[] {"'w'", "shape must be an array"}),
        // 2^62 floats are 2^64 bytes: a product that wraps to 0 must not pass as a 0-byte tensor
        Arguments.of("shape-overflow", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", data16,
            new String[] {"'w'", "bad shape", "2^63"}),
        Arguments.of("size-mismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data16,
            new String[] {"'w'", "size mismatch", "needs 12 bytes", "give 8"}),
        Arguments.of("offsets-out-of-range", "{\"w\":{\"dtype\":\"F32\",\"shape\":[250],\"data_offsets\":[0,1000]}}", data16,
            new String[] {"'w'", "out of range", "16 bytes"}),
        Arguments.of("offsets-reversed", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", data16,
            new String[] {"'w'", "out of range"}),
        Arguments.of("offsets-huge", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999999]}}", data16,
            new String[] {"'w'", "data_offsets"}),
        Arguments.of("offsets-not-pair", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", data16,
            new String[] {"'w'", "data_offsets must be [begin, end]"}),
        Arguments.of("overlap", "{" + GOOD_A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data16,
            new String[] {"'a'", "'b'", "overlap"}),
        Arguments.of("metadata-not-object", "{\"__metadata__\":[\"x\"]," + GOOD_A + "}", data16,
            new String[] {"__metadata__", "object of strings"}),
        Arguments.of("metadata-not-string", "{\"__metadata__\":{\"steps\":12}," + GOOD_A + "}", data16,
            new String[] {"__metadata__.steps", "expected a string"}));
  }

  @ParameterizedTest(name = "{0}") @MethodSource("headerCases")
  void brokenHeaderIsRejected(String name, String header, byte[] data, String[] words) throws Exception {
    Path f = RawSafeTensors.write(dir.resolve(name + ".safetensors"), header, data);
    assertThatThrownBy(() -> SafeTensorsFile.open(f).close())
        .isInstanceOf(DualprocException.class)
        .hasMessageStartingWith(f.toString() + ": ")
        .hasMessageContainingAll(words);
  }

  @Test void truncatedDataNamesTheTensorThatNoLongerFits() throws Exception {
    Path good = dir.resolve("good.safetensors");
    SafeTensorsWriter.write(good, Map.of("w", Rng.normal(1, 64)), null);
    byte[] all = Files.readAllBytes(good);
    Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(all, all.length - 100));
    assertThatThrownBy(() -> SafeTensorsFile.open(cut)).isInstanceOf(DualprocException.class)
        .hasMessageStartingWith(cut + ": ").hasMessageContainingAll("'w'", "out of range", "truncated");
  }

  @Test void fileShorterThanTheLengthPrefixIsTruncated() throws Exception {
    Path f = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafeTensorsFile.open(f)).isInstanceOf(DualprocException.class)
        .hasMessageStartingWith(f + ": truncated");
  }

  @Test void headerLengthBeyondTheFileIsRejected() throws Exception {
    Path f = RawSafeTensors.write(dir.resolve("long.safetensors"), 1L << 40, "{}      ", new byte[0]);
    assertThatThrownBy(() -> SafeTensorsFile.open(f)).isInstanceOf(DualprocException.class)
        .hasMessageStartingWith(f + ": ").hasMessageContainingAll("header length 1099511627776", "does not fit");
    Path neg = RawSafeTensors.write(dir.resolve("neg.safetensors"), -8, "{}      ", new byte[0]);
    assertThatThrownBy(() -> SafeTensorsFile.open(neg)).isInstanceOf(DualprocException.class).hasMessageContaining("header length -8");
  }

  @Test void missingFileIsAUserError() {
    Path f = dir.resolve("nope.safetensors");
    assertThatThrownBy(() -> SafeTensorsFile.open(f)).isInstanceOf(DualprocException.class).hasMessage(f + ": no such file");
  }

  @Test void readingAfterCloseIsAnErrorNotACrash() throws Exception {
    Path f = dir.resolve("c.safetensors");
    SafeTensorsWriter.write(f, Map.of("w", Rng.normal(1, 8)), null);
    SafeTensorsFile st = SafeTensorsFile.open(f);
    st.close();
    st.close(); // idempotent
    assertThatThrownBy(() -> st.load("w")).isInstanceOf(DualprocException.class)
        .hasMessageContainingAll(f.toString(), "'w'", "closed");
  }

  @Test void validFileWithGapsAndAnEmptyHeaderOpens() throws Exception {
    // gaps between tensors are allowed (only overlaps are not); an empty header is a valid, empty file
    Path gap = RawSafeTensors.write(dir.resolve("gap.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        RawSafeTensors.floats(1.5f, 0f, -2f));
    try (SafeTensorsFile st = SafeTensorsFile.open(gap)) {
      assertThat(Tensors.floats(st.load("b"))).containsExactly(-2f);
    }
    Path empty = RawSafeTensors.write(dir.resolve("empty.safetensors"), "{}", new byte[0]);
    try (SafeTensorsFile st = SafeTensorsFile.open(empty)) {
      assertThat(st.names()).isEmpty();
    }
  }
}
