package dev.dualproc.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.*;
import static org.bytedeco.pytorch.global.torch.*;

/** y = x W^T + b, plus any LoRA adapters on blocks of output rows. The base weight is frozen. */
public final class Linear {
  public final Tensor weight; // [out, in]
  public final Tensor bias;   // [out] or null
  private final List<Lora> adapters = new ArrayList<>();
  // what merge() folded in, so unmerge() subtracts exactly that even if adapters were toggled or rescaled meanwhile
  private final List<Lora> mergedAdapters = new ArrayList<>();
  private final List<Double> mergedScales = new ArrayList<>();
  private boolean merged;

  public Linear(Tensor weight, Tensor bias) { this.weight = weight; this.bias = bias; }

  /** Loads {@code <name>.weight} [out, in] and {@code <name>.bias} [out] when {@code bias}. */
  public static Linear load(Weights w, String name, long in, long out, boolean bias) {
    Weights s = w.scope(name);
    return new Linear(s.get("weight", out, in), bias ? s.get("bias", out) : null);
  }

  public long in() { return weight.size(1); }
  public long out() { return weight.size(0); }
  public List<Lora> adapters() { return Collections.unmodifiableList(adapters); }

  public Lora addLora(String name, long rowStart, long rowEnd, int rank, double alpha, Generator init) {
    if (rowStart < 0 || rowEnd > out() || rowStart >= rowEnd) throw new IllegalArgumentException(name + ": rows " + rowStart + ".." + rowEnd + " of " + out());
    for (Lora l : adapters) if (rowStart < l.rowEnd && l.rowStart < rowEnd) throw new IllegalArgumentException(name + " overlaps " + l.name);
    Placement p = new Placement(weight.device().str().getString(), weight.scalar_type());
    Lora l = new Lora(name, in(), rowStart, rowEnd, rank, alpha, init, p);
    adapters.add(l);
    adapters.sort((a, b) -> Long.compare(a.rowStart, b.rowStart));
    return l;
  }

  public Lora addLora(String name, int rank, double alpha, Generator init) { return addLora(name, 0, out(), rank, alpha, init); }

  public void removeLoras() { if (merged) unmerge(); adapters.clear(); }

  /** Removes one adapter (unmerging first if merged); false if it is not on this layer. */
  public boolean removeLora(Lora l) {
    if (!adapters.contains(l)) return false;
    if (merged) unmerge();
    return adapters.remove(l);
  }

  public Tensor forward(Tensor x) {
    Tensor y = bias == null ? linear(x, weight) : linear(x, weight, new TensorOptional(bias));
    if (merged) return y;
    List<Lora> active = adapters.stream().filter(Lora::enabled).toList();
    if (active.isEmpty()) return y;
    if (active.size() == 1 && active.get(0).rowStart == 0 && active.get(0).rowEnd == out()) return y.add(active.get(0).delta(x));
    TensorVector parts = new TensorVector();
    long row = 0;
    long[] lead = Tensors.shape(x);
    for (Lora l : active) {
      if (l.rowStart > row) parts.push_back(zerosLike(x, lead, l.rowStart - row));
      parts.push_back(l.delta(x));
      row = l.rowEnd;
    }
    if (row < out()) parts.push_back(zerosLike(x, lead, out() - row));
    return y.add(cat(parts, -1));
  }

  private Tensor zerosLike(Tensor x, long[] lead, long cols) {
    long[] s = lead.clone();
    s[s.length - 1] = cols;
    return zeros(s, new TensorOptions(x.scalar_type()).device(new DeviceOptional(x.device())));
  }

  /** Folds the enabled adapters into the base weight (inference speed); unmerge() restores it. */
  public void merge() {
    if (merged) return;
    try (var g = new NoGradGuard()) {
      for (Lora l : adapters) {
        if (!l.enabled()) continue;
        weight.narrow(0, l.rowStart, l.rows()).add_(l.deltaWeight().detach().to(weight.scalar_type()));
        mergedAdapters.add(l);
        mergedScales.add(l.scale());
      }
    }
    merged = true;
  }

  /** Subtracts what merge() added (with the scales of that moment); A and B must not change while merged. */
  public void unmerge() {
    if (!merged) return;
    try (var g = new NoGradGuard()) {
      for (int i = 0; i < mergedAdapters.size(); i++) {
        Lora l = mergedAdapters.get(i);
        Tensor dW = l.B.detach().matmul(l.A.detach()).mul(Tensors.scalar(mergedScales.get(i)));
        weight.narrow(0, l.rowStart, l.rows()).sub_(dW.to(weight.scalar_type()));
      }
    }
    mergedAdapters.clear();
    mergedScales.clear();
    merged = false;
  }

  public boolean merged() { return merged; }
}
