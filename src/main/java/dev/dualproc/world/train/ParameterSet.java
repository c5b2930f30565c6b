package dev.dualproc.world.train;

import dev.dualproc.engine.DType;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.Tensor;

/**
 * Named trainable tensors (plain float32 tensors with requires_grad) under checkpoint keys. The model classes are built
 * over {@link #source}, whose loads hand out these very tensors rather than copies, so the modules compute with the
 * parameters and their gradients land here.
 */
final class ParameterSet {
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();

  /** Takes float32 copies of {@code initial} onto {@code placement}'s device, each requiring grad. */
  ParameterSet(Map<String, Tensor> initial, Placement placement) {
    Placement fp32 = new Placement(placement.device(), org.bytedeco.pytorch.global.torch.ScalarType.Float);
    initial.forEach((k, t) -> {
      Tensor p = fp32.place(t.detach().to(org.bytedeco.pytorch.global.torch.ScalarType.Float)).clone().contiguous();
      p.requires_grad_(true);
      tensors.put(k, p);
    });
  }

  Map<String, Tensor> tensors() { return Collections.unmodifiableMap(tensors); }
  List<Tensor> list() { return List.copyOf(tensors.values()); }

  long count() { return tensors.values().stream().mapToLong(Tensor::numel).sum(); }

  /** The tensors whose keys start with {@code prefix}, under the rest of their key. */
  TensorSource source(String origin, String prefix) { return view(tensors, origin, prefix); }

  /** The same over any map of tensors (an EMA): loads hand out the tensors themselves. */
  static TensorSource view(Map<String, Tensor> tensors, String origin, String prefix) {
    Map<String, Tensor> view = new LinkedHashMap<>();
    tensors.forEach((k, t) -> { if (k.startsWith(prefix)) view.put(k.substring(prefix.length()), t); });
    return new TensorSource() {
      private Tensor get(String name) {
        Tensor t = view.get(name);
        if (t == null) throw new DualprocException(origin + ": no parameter '" + name + "'");
        return t;
      }
      @Override public String origin() { return origin; }
      @Override public Collection<String> names() { return Collections.unmodifiableSet(view.keySet()); }
      @Override public boolean contains(String name) { return view.containsKey(name); }
      @Override public DType dtype(String name) { return DType.of(get(name).scalar_type()); }
      @Override public long[] shape(String name) { return Tensors.shape(get(name)); }
      @Override public Tensor load(String name) { return get(name); } // the parameter itself: modules train it
    };
  }

  /** Detached float32 clones (an EMA's start). */
  Map<String, Tensor> snapshot() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (NoGradGuard g = new NoGradGuard()) {
      tensors.forEach((k, t) -> out.put(k, t.detach().clone()));
    }
    return out;
  }

  /** Overwrites every parameter from {@code source} (a checkpoint), which must hold exactly these keys and shapes. */
  void copyFrom(TensorSource source) { copyInto(tensors, source); }

  static void copyInto(Map<String, Tensor> target, TensorSource source) {
    List<String> extra = new ArrayList<>(source.names());
    extra.removeAll(target.keySet());
    if (!extra.isEmpty()) throw new DualprocException(source.origin() + ": unexpected tensors " + extra.subList(0, Math.min(5, extra.size())));
    try (NoGradGuard g = new NoGradGuard()) {
      for (var e : target.entrySet()) {
        if (!source.contains(e.getKey())) throw new DualprocException(source.origin() + ": missing tensor '" + e.getKey() + "'");
        long[] shape = source.shape(e.getKey());
        if (!Arrays.equals(shape, Tensors.shape(e.getValue())))
          throw new DualprocException(source.origin() + ": '" + e.getKey() + "' has shape " + Arrays.toString(shape) + ", expected "
              + Tensors.shapeString(e.getValue()));
        e.getValue().copy_(source.load(e.getKey()));
      }
    }
  }
}
