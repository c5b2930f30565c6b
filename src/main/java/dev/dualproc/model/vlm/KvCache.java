package dev.dualproc.model.vlm;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

/** Keys and values of every decoder layer so far ([B, kv heads, T, D] each), for one-token-at-a-time decoding. */
public final class KvCache {
  private final List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();
  private long length;

  public long length() { return length; }

  /** Appends this step's k and v of a layer and returns the whole history of that layer. */
  Tensor[] append(int layer, Tensor k, Tensor v) {
    if (layer == keys.size()) { keys.add(k); values.add(v); }
    else {
      keys.set(layer, cat(new TensorVector(keys.get(layer), k), 2));
      values.set(layer, cat(new TensorVector(values.get(layer), v), 2));
    }
    return new Tensor[] {keys.get(layer), values.get(layer)};
  }

  /** Called once per forward, after every layer appended its step. */
  void advance(long steps) { length += steps; }
}
