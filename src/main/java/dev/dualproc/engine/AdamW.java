package dev.dualproc.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.zeros_like;

/**
 * AdamW (Loshchilov and Hutter) over a fixed list of parameter tensors, with the update of PyTorch's
 * {@code torch.optim.AdamW} (amsgrad off): decoupled weight decay p *= 1 - lr*wd; m = b1*m + (1-b1)*g;
 * v = b2*v + (1-b2)*g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 *
 * <p>Written in Java (not libtorch's C++ optimizer) so that the state, per parameter the step count t and the moments
 * m and v, is plain tensors a checkpoint can save and restore exactly ({@link #stateTensors}, {@link #loadState}).
 * A parameter without a gradient is skipped and its step count does not advance, as in PyTorch.
 */
public final class AdamW {
  /** Hyperparameters; defaults lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0. */
  public record Options(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public Options {
      if (!(lr >= 0)) throw new IllegalArgumentException("lr must be >= 0, got " + lr);
      if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
      if (!(eps >= 0) || !(weightDecay >= 0)) throw new IllegalArgumentException("eps and weight decay must be >= 0");
    }
    public static Options lr(double lr) { return new Options(lr, 0.9, 0.999, 1e-8, 0.0); }
    public Options withWeightDecay(double wd) { return new Options(lr, beta1, beta2, eps, wd); }
    public Options withBetas(double b1, double b2) { return new Options(lr, b1, b2, eps, weightDecay); }
    public Options withEps(double e) { return new Options(lr, beta1, beta2, e, weightDecay); }
  }

  /** One parameter's state: steps taken, first moment m (exp_avg), second moment v (exp_avg_sq). */
  public static final class ParamState {
    public long step;
    public final Tensor m, v;
    ParamState(long step, Tensor m, Tensor v) { this.step = step; this.m = m; this.v = v; }
  }

  private final List<Tensor> params;
  private final List<ParamState> state = new ArrayList<>();
  private Options options;

  public AdamW(List<Tensor> params, Options options) {
    this.params = List.copyOf(params);
    this.options = options;
    for (Tensor p : this.params) {
      if (!p.is_floating_point()) throw new IllegalArgumentException("AdamW: parameters must be floating point");
      state.add(new ParamState(0, zeros_like(p.detach()), zeros_like(p.detach())));
    }
  }

  public List<Tensor> params() { return params; }
  public Options options() { return options; }
  /** For learning-rate schedules; other hyperparameters stay. */
  public void setLr(double lr) { options = new Options(lr, options.beta1, options.beta2, options.eps, options.weightDecay); }
  public List<ParamState> state() { return List.copyOf(state); }

  /** Drops the gradients (PyTorch's zero_grad(set_to_none=True)). */
  public void zeroGrad() { for (Tensor p : params) p.mutable_grad().reset(); }

  public void step() {
    Options o = options;
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i), grad = p.grad();
        if (!grad.defined()) continue;
        ParamState s = state.get(i);
        s.step++;
        Tensor d = p.detach(); // shares storage; in-place updates land in the parameter
        if (o.weightDecay != 0) d.mul_(Tensors.scalar(1 - o.lr * o.weightDecay));
        s.m.mul_(Tensors.scalar(o.beta1)).add_(grad, Tensors.scalar(1 - o.beta1));
        s.v.mul_(Tensors.scalar(o.beta2)).addcmul_(grad, grad, Tensors.scalar(1 - o.beta2));
        double bc1 = 1 - Math.pow(o.beta1, s.step), bc2 = 1 - Math.pow(o.beta2, s.step);
        Tensor denom = s.v.sqrt().div_(Tensors.scalar(Math.sqrt(bc2))).add_(Tensors.scalar(o.eps));
        d.addcdiv_(s.m, denom, Tensors.scalar(-o.lr / bc1));
      }
    }
  }

  /**
   * The state as named tensors for a safetensors checkpoint: {@code <i>.step} (I64 [1]), {@code <i>.exp_avg},
   * {@code <i>.exp_avg_sq}, i being the parameter's index in the list given to the constructor.
   */
  public Map<String, Tensor> stateTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < state.size(); i++) {
      ParamState s = state.get(i);
      out.put(i + ".step", Tensors.fromLongs(new long[] {s.step}, 1));
      out.put(i + ".exp_avg", s.m);
      out.put(i + ".exp_avg_sq", s.v);
    }
    return out;
  }

  /** Restores a state saved by {@link #stateTensors}, checking count, shapes and dtypes; values are copied exactly. */
  public void loadState(TensorSource source) {
    String where = source.origin();
    for (int i = 0; i < state.size(); i++) {
      ParamState s = state.get(i);
      for (String k : List.of(i + ".step", i + ".exp_avg", i + ".exp_avg_sq"))
        if (!source.contains(k)) throw new DualprocException(where + ": optimizer state has no '" + k + "' (expected "
            + state.size() + " parameters)");
      if (source.contains(state.size() + ".step"))
        throw new DualprocException(where + ": optimizer state has more parameters than the " + state.size() + " being trained");
      for (String k : List.of(i + ".exp_avg", i + ".exp_avg_sq")) {
        long[] shape = source.shape(k);
        if (!java.util.Arrays.equals(shape, Tensors.shape(s.m)))
          throw new DualprocException(where + ": '" + k + "' has shape " + java.util.Arrays.toString(shape) + ", the parameter has "
              + Tensors.shapeString(s.m));
        if (source.dtype(k) != DType.of(s.m.scalar_type()))
          throw new DualprocException(where + ": '" + k + "' is " + source.dtype(k) + ", the parameter is " + DType.of(s.m.scalar_type()));
      }
      if (source.dtype(i + ".step") != DType.I64 || !java.util.Arrays.equals(source.shape(i + ".step"), new long[] {1}))
        throw new DualprocException(where + ": '" + i + ".step' must be I64 [1]");
    }
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < state.size(); i++) {
        ParamState s = state.get(i);
        long step = Tensors.longs(source.load(i + ".step"))[0];
        if (step < 0) throw new DualprocException(where + ": '" + i + ".step' is negative (" + step + ")");
        s.step = step;
        s.m.copy_(source.load(i + ".exp_avg"));
        s.v.copy_(source.load(i + ".exp_avg_sq"));
      }
    }
  }

  /** Convenience for tests and in-memory snapshots: the same as {@link #loadState(TensorSource)} over a map. */
  public void loadState(Map<String, Tensor> tensors) { loadState(TensorSources.of("optimizer state", tensors)); }
}
