package dev.dualproc.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Activation checkpointing (libtorch's C++ API has no torch.utils.checkpoint): a chain of segments runs forward
 * without keeping its graph, only each segment's input; the backward pass recomputes one segment at a time with grad
 * and calls backward on it with the gradient of its output. Memory: the segment boundaries instead of every
 * activation; cost: one extra forward.
 *
 * <p>Use: {@code var c = ActivationCheckpoint.of(blocks, x); loss = rest(c.output()); loss.backward(); c.backward();}.
 * {@link #backward()} reads the gradients that reached the outputs, pushes them back through the segments into the
 * parameters the segments use, and on into the graph of the chain's inputs (or their .grad, for leaves).
 *
 * <p>Segments must be deterministic (no dropout, no random draws), and tensors they capture must not carry a graph
 * of their own (detach them, or pass them as chain inputs): each segment's graph is freed after its backward.
 */
public final class ActivationCheckpoint {
  /** One piece of the chain: its inputs are the previous segment's outputs. */
  @FunctionalInterface public interface Segment { List<Tensor> apply(List<Tensor> inputs); }

  private final List<Segment> segments;
  private final List<Tensor> inputs;
  private List<List<Tensor>> saved;
  private final List<Tensor> outputs;

  private ActivationCheckpoint(List<Segment> segments, List<Tensor> inputs, List<List<Tensor>> saved, List<Tensor> outputs) {
    this.segments = segments; this.inputs = inputs; this.saved = saved; this.outputs = outputs;
  }

  /** Runs the chain without grad, keeping the input of each segment. */
  public static ActivationCheckpoint forward(List<Segment> segments, List<Tensor> inputs) {
    if (segments.isEmpty()) throw new IllegalArgumentException("no segments");
    List<List<Tensor>> saved = new ArrayList<>();
    List<Tensor> xs = detached(inputs);
    try (NoGradGuard g = new NoGradGuard()) {
      for (Segment s : segments) {
        saved.add(xs);
        xs = detached(s.apply(xs));
      }
    }
    List<Tensor> outs = new ArrayList<>();
    for (Tensor y : xs) outs.add(y.is_floating_point() ? y.requires_grad_(true) : y);
    return new ActivationCheckpoint(List.copyOf(segments), List.copyOf(inputs), saved, List.copyOf(outs));
  }

  /** The single-tensor form: each segment maps one tensor to one tensor. */
  public static ActivationCheckpoint of(List<? extends UnaryOperator<Tensor>> segments, Tensor input) {
    List<Segment> s = new ArrayList<>();
    for (UnaryOperator<Tensor> f : segments) s.add(xs -> List.of(f.apply(xs.get(0))));
    return forward(s, List.of(input));
  }

  /** The chain's outputs: graph-free leaves (floating ones require grad), to build the rest of the loss on. */
  public List<Tensor> outputs() { return outputs; }

  public Tensor output() {
    if (outputs.size() != 1) throw new IllegalStateException("the chain has " + outputs.size() + " outputs");
    return outputs.get(0);
  }

  /** Backward from the gradients the caller's loss.backward() left on {@link #outputs()}. */
  public void backward() {
    List<Tensor> grads = new ArrayList<>();
    for (Tensor y : outputs) grads.add(y.grad());
    backward(grads);
  }

  /** Backward from explicit gradients of the outputs (undefined or null: that output does not reach the loss). */
  public void backward(List<Tensor> gradOutputs) {
    if (saved == null) throw new IllegalStateException("backward() was already run on this chain");
    if (gradOutputs.size() != outputs.size())
      throw new IllegalArgumentException(gradOutputs.size() + " gradients for " + outputs.size() + " outputs");
    List<Tensor> grads = gradOutputs;
    for (int k = segments.size() - 1; k >= 0; k--) {
      List<Tensor> xs = new ArrayList<>();
      for (Tensor x : saved.get(k)) xs.add(x.is_floating_point() ? x.detach().requires_grad_(true) : x);
      List<Tensor> ys = segments.get(k).apply(xs);
      if (ys.size() != grads.size())
        throw new IllegalStateException("segment " + k + " returned " + ys.size() + " tensors on recompute, " + grads.size() + " before");
      run(ys, grads);
      grads = new ArrayList<>();
      for (Tensor x : xs) grads.add(x.requires_grad() ? x.grad() : null);
      saved.set(k, null); // this boundary is no longer needed
    }
    saved = null;
    run(inputs, grads); // on into whatever produced the chain's inputs
  }

  /** torch.autograd.backward over the (output, gradient) pairs that carry a gradient. */
  private static void run(List<Tensor> ys, List<Tensor> grads) {
    TensorVector outs = new TensorVector(), gs = new TensorVector();
    for (int i = 0; i < ys.size(); i++) {
      Tensor y = ys.get(i), g = grads.get(i);
      if (g == null || !g.defined() || !y.requires_grad()) continue;
      outs.push_back(y);
      gs.push_back(g);
    }
    if (outs.size() > 0) torch.backward(outs, gs, new BoolOptional(), false, new TensorVector());
  }

  private static List<Tensor> detached(List<Tensor> xs) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor x : xs) out.add(x.detach());
    return out;
  }
}
