package dev.dualproc.engine;

import java.util.Collection;
import org.bytedeco.pytorch.Tensor;

/** Named tensors that can be loaded one at a time (a safetensors file, a sharded index, a renamed view). */
public interface TensorSource extends AutoCloseable {
  /** Where the tensors come from, for error messages. */
  String origin();
  Collection<String> names();
  boolean contains(String name);
  /** dtype and shape without touching the data. */
  DType dtype(String name);
  long[] shape(String name);
  /** A CPU tensor in the stored dtype that owns its memory. */
  Tensor load(String name);
  /**
   * The tensor in the stored dtype without a copy where the source is a file on disk: a view of a process-lifetime,
   * copy-on-write mapping (writes stay private, the file is never changed). Other sources copy, as {@link #load}.
   */
  default Tensor mapped(String name) { return load(name); }
  @Override default void close() {}
}
