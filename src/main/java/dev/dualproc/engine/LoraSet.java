package dev.dualproc.engine;

import java.util.*;
import org.bytedeco.pytorch.Tensor;

/** All LoRA adapters of one model, by module path: the trainable parameters, their strength, enable/disable. */
public final class LoraSet {
  private final Map<String, Lora> byName = new LinkedHashMap<>();
  public final int rank;
  public final double alpha;

  public LoraSet(int rank, double alpha) { this.rank = rank; this.alpha = alpha; }

  public void add(Lora l) {
    if (byName.putIfAbsent(l.name, l) != null) throw new IllegalArgumentException("two adapters named " + l.name);
  }

  public Collection<Lora> adapters() { return Collections.unmodifiableCollection(byName.values()); }
  public Lora get(String name) { return byName.get(name); }
  public boolean isEmpty() { return byName.isEmpty(); }
  public int size() { return byName.size(); }

  /** A then B for every adapter, in a fixed order (the optimizer's and the checkpoint's order). */
  public List<Tensor> parameters() {
    List<Tensor> ps = new ArrayList<>();
    for (Lora l : byName.values()) { ps.add(l.A); ps.add(l.B); }
    return ps;
  }

  public long parameterCount() { return parameters().stream().mapToLong(Tensor::numel).sum(); }

  public void setWeight(double w) { for (Lora l : byName.values()) l.setWeight(w); }
  public void setEnabled(boolean e) { for (Lora l : byName.values()) l.setEnabled(e); }
}
