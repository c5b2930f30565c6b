package dev.dualproc.engine;

import java.util.*;
import org.bytedeco.pytorch.Tensor;

/**
 * A scoped view of a TensorSource, like candle's VarBuilder: {@code weights.scope("double_blocks").scope(3).get("img_mod.lin.weight", 360, 60)}.
 * Every tensor taken is recorded, so a load can report matched and unmatched names, and a missing or mis-shaped tensor
 * fails loudly with the full key.
 */
public final class Weights {
  private final TensorSource source;
  private final String prefix;
  private final Placement placement;
  private final Set<String> used;
  private final Map<String, Tensor> taken; // key -> the placed tensor a module holds: for training and saving

  public Weights(TensorSource source, Placement placement) { this(source, "", placement, new LinkedHashSet<>(), new LinkedHashMap<>()); }

  private Weights(TensorSource source, String prefix, Placement placement, Set<String> used, Map<String, Tensor> taken) {
    this.source = source; this.prefix = prefix; this.placement = placement; this.used = used; this.taken = taken;
  }

  public Weights scope(String name) { return new Weights(source, key(name) + ".", placement, used, taken); }
  public Weights scope(int index) { return scope(Integer.toString(index)); }
  public String prefix() { return prefix; }
  public Placement placement() { return placement; }
  public TensorSource source() { return source; }
  public String key(String name) { return prefix + name; }
  public boolean has(String name) { return source.contains(key(name)); }

  /** The tensor, on this placement, checked against the expected shape (pass no shape to skip the check). */
  public Tensor get(String name, long... expectedShape) {
    String k = key(name);
    if (!source.contains(k)) throw new DualprocException(source.origin() + ": missing tensor '" + k + "'");
    long[] actual = source.shape(k);
    if (expectedShape.length > 0 && !Arrays.equals(actual, expectedShape))
      throw new DualprocException(source.origin() + ": tensor '" + k + "' has shape " + Arrays.toString(actual)
          + ", expected " + Arrays.toString(expectedShape));
    used.add(k);
    // stored dtype = wanted dtype on the CPU: a view of the mapped file (bf16 checkpoints load without a copy)
    boolean asStored = placement.isCpu() && source.dtype(k).scalarType == placement.dtype();
    Tensor t = placement.place(asStored ? source.mapped(k) : source.load(k));
    taken.put(k, t);
    return t;
  }

  /** Every tensor taken so far, by full key, as the modules hold it (same storage): a model's state dict. */
  public Map<String, Tensor> taken() { return Collections.unmodifiableMap(taken); }

  public Optional<Tensor> find(String name, long... expectedShape) {
    return has(name) ? Optional.of(get(name, expectedShape)) : Optional.empty();
  }

  public long[] shape(String name) {
    String k = key(name);
    if (!source.contains(k)) throw new DualprocException(source.origin() + ": missing tensor '" + k + "'");
    return source.shape(k);
  }

  /** Matched: names taken by the model; unmatched: names in the source no module asked for. */
  public LoadReport report() {
    List<String> unmatched = source.names().stream().filter(n -> !used.contains(n)).sorted().toList();
    return new LoadReport(source.origin(), List.copyOf(used), unmatched);
  }

  public record LoadReport(String origin, List<String> matched, List<String> unmatched) {
    public String summary() {
      return origin + ": matched " + matched.size() + "/" + (matched.size() + unmatched.size()) + " tensors"
          + (unmatched.isEmpty() ? "" : "; unmatched: " + String.join(", ", unmatched.subList(0, Math.min(8, unmatched.size())))
          + (unmatched.size() > 8 ? " ... (" + unmatched.size() + " in all)" : ""));
    }
  }
}
