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
  @Override default void close() {}
}
