package dev.dualproc.engine;

/** One tensor's entry in a safetensors header; offsets are relative to the data area. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
  public long numel() { long n = 1; for (long s : shape) n *= s; return n; }
  public long byteSize() { return end - begin; }
  public String shapeString() { return java.util.Arrays.toString(shape); }
}
