package dev.dualproc.model.text;

import dev.dualproc.engine.Tensors;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

/** Rows of token ids of one length as a [B, L] int64 tensor: the batched input of the text encoders. */
final class IdRows {
  private IdRows() {}

  /** {@code check} validates each row (ids inside the vocabulary) before any of it reaches native code. */
  static Tensor stack(long[][] ids, Consumer<long[]> check) {
    if (ids.length == 0) throw new IllegalArgumentException("no rows of token ids");
    int L = ids[0].length;
    long[] flat = new long[ids.length * L];
    for (int b = 0; b < ids.length; b++) {
      if (ids[b].length != L) throw new IllegalArgumentException("row " + b + " has " + ids[b].length + " ids, row 0 has " + L);
      check.accept(ids[b]);
      System.arraycopy(ids[b], 0, flat, b * L, L);
    }
    return Tensors.fromLongs(flat, ids.length, L);
  }
}
