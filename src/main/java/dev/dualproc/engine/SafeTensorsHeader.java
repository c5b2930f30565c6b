package dev.dualproc.engine;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.*;

/** Parses and validates a safetensors header before any tensor data is touched. */
public final class SafeTensorsHeader {
  static final long MAX_HEADER = 100L << 20; // the format's own limit
  // a duplicated tensor name or bytes after the JSON object mean a damaged header, not a choice
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  public final Map<String, TensorInfo> tensors; // in header order
  public final Map<String, String> metadata;
  public final long dataStart;

  private SafeTensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    this.tensors = tensors; this.metadata = metadata; this.dataStart = dataStart;
  }

  /** headerLength: the first 8 bytes (little endian); headerBytes: the JSON; fileSize: the whole file. */
  public static SafeTensorsHeader parse(String file, long headerLength, byte[] headerBytes, long fileSize) {
    if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > fileSize - 8)
      throw new DualprocException(file + ": corrupt or truncated header: header length " + headerLength
          + " does not fit the file (" + fileSize + " bytes)");
    JsonNode root;
    try {
      root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new DualprocException(file + ": corrupt header: not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (root == null || !root.isObject()) throw new DualprocException(file + ": corrupt header: expected a JSON object");
    long dataSize = fileSize - 8 - headerLength;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (var it = root.fields(); it.hasNext(); ) {
      var e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) throw new DualprocException(file + ": __metadata__ must be an object of strings");
        for (var m = v.fields(); m.hasNext(); ) {
          var kv = m.next();
          if (!kv.getValue().isTextual())
            throw new DualprocException(file + ": __metadata__." + kv.getKey() + ": expected a string, got " + kv.getValue().getNodeType());
          metadata.put(kv.getKey(), kv.getValue().asText());
        }
        continue;
      }
      tensors.put(name, tensor(file, name, v, dataSize));
    }
    checkOverlaps(file, tensors.values());
    return new SafeTensorsHeader(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata), 8 + headerLength);
  }

  private static TensorInfo tensor(String file, String name, JsonNode v, long dataSize) {
    String where = file + ": tensor '" + name + "'";
    if (!v.isObject()) throw new DualprocException(where + ": expected an object with dtype, shape, data_offsets");
    JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
    if (dt == null || !dt.isTextual()) throw new DualprocException(where + ": missing dtype");
    DType dtype = DType.parse(dt.asText());
    if (dtype == null) throw new DualprocException(where + ": unknown dtype '" + dt.asText() + "' (expected one of "
        + Arrays.toString(DType.values()) + ")");
    if (sh == null || !sh.isArray()) throw new DualprocException(where + ": shape must be an array of integers");
    long[] shape = new long[sh.size()];
    long expected = dtype.size; // bytes; overflow would let a huge shape pass as a few bytes
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0)
        throw new DualprocException(where + ": bad shape " + sh + " (expected non-negative integers)");
      shape[i] = d.asLong();
      try {
        expected = Math.multiplyExact(expected, shape[i]);
      } catch (ArithmeticException overflow) {
        throw new DualprocException(where + ": bad shape " + sh + " (more than 2^63 bytes)");
      }
    }
    if (off == null || !off.isArray() || off.size() != 2 || !isLong(off.get(0)) || !isLong(off.get(1)))
      throw new DualprocException(where + ": data_offsets must be [begin, end] (integers)");
    long begin = off.get(0).asLong(), end = off.get(1).asLong();
    if (begin < 0 || end < begin || end > dataSize)
      throw new DualprocException(where + ": data_offsets [" + begin + ", " + end + "] out of range: the data area has "
          + dataSize + " bytes (truncated file or corrupt offsets)");
    if (end - begin != expected)
      throw new DualprocException(where + ": size mismatch: " + dtype + " " + Arrays.toString(shape) + " needs " + expected
          + " bytes, data_offsets give " + (end - begin));
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static void checkOverlaps(String file, Collection<TensorInfo> all) {
    List<TensorInfo> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
      if (b.begin() < a.end())
        throw new DualprocException(file + ": tensors '" + a.name() + "' and '" + b.name() + "' overlap in the data area");
    }
  }

  private static boolean isLong(JsonNode n) { return n.isIntegralNumber() && n.canConvertToLong(); }

  private static String firstLine(String s) { return s == null ? "" : s.lines().findFirst().orElse(""); }
}
