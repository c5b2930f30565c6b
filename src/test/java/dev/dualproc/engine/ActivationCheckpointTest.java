package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import static org.bytedeco.pytorch.global.torch.*;

class ActivationCheckpointTest {
  /** Three small residual MLP blocks, each with its own weights. */
  static final class Net {
    final List<Tensor> params = new ArrayList<>();
    final List<UnaryOperator<Tensor>> blocks = new ArrayList<>();
    Net(int width, int depth) {
      for (int i = 0; i < depth; i++) {
        Tensor w1 = Rng.normal(100 + i, 2 * width, width).mul(Tensors.scalar(0.3)).requires_grad_(true);
        Tensor w2 = Rng.normal(200 + i, width, 2 * width).mul(Tensors.scalar(0.3)).requires_grad_(true);
        Tensor g = Rng.normal(300 + i, width).requires_grad_(true);
        params.addAll(List.of(w1, w2, g));
        blocks.add(x -> x.add(linear(gelu(linear(layer_norm(x, new long[] {x.size(-1)}), w1)), w2).mul(g)));
      }
    }
    void zeroGrad() { for (Tensor p : params) p.mutable_grad().reset(); }
  }

  @Test void gradientsEqualPlainBackprop() {
    Net net = new Net(8, 3);
    Tensor leaf = Rng.normal(1, 4, 8).requires_grad_(true);
    Tensor target = Rng.normal(2, 4, 8);

    // plain backprop
    Tensor x = leaf.mul(Tensors.scalar(2)); // the chain's input has a graph of its own
    for (UnaryOperator<Tensor> b : net.blocks) x = b.apply(x);
    x.sub(target).pow(Tensors.scalar(2)).mean().backward();
    List<Tensor> plain = new ArrayList<>();
    for (Tensor p : net.params) plain.add(p.grad().clone());
    Tensor plainLeaf = leaf.grad().clone();
    net.zeroGrad();
    leaf.mutable_grad().reset();

    // checkpointed
    ActivationCheckpoint c = ActivationCheckpoint.of(net.blocks, leaf.mul(Tensors.scalar(2)));
    Tensor out = c.output();
    assertThat(out.is_leaf()).as("no graph kept through the chain").isTrue();
    out.sub(target).pow(Tensors.scalar(2)).mean().backward();
    c.backward();

    double worst = 0;
    for (int i = 0; i < plain.size(); i++) worst = Math.max(worst, Tensors.maxAbsDiff(net.params.get(i).grad(), plain.get(i)));
    double leafDiff = Tensors.maxAbsDiff(leaf.grad(), plainLeaf);
    System.out.println("checkpointing: max abs grad diff params " + worst + ", input " + leafDiff);
    assertThat(Tensors.item(plainLeaf.abs().sum())).isGreaterThan(0);
    assertThat(worst).isLessThan(1e-6);
    assertThat(leafDiff).isLessThan(1e-6);
  }

  @Test void multiTensorSegmentsPassEachGradientAlong() {
    Tensor w = Rng.normal(5, 6, 6).requires_grad_(true);
    Tensor a0 = Rng.normal(6, 2, 6).requires_grad_(true), b0 = Rng.normal(7, 2, 6).requires_grad_(true);
    ActivationCheckpoint.Segment mix = xs -> List.of(tanh(linear(xs.get(0), w)).add(xs.get(1)), xs.get(1).mul(xs.get(0)));
    ActivationCheckpoint.Segment last = xs -> List.of(xs.get(0).add(xs.get(1)), xs.get(1)); // 2nd output unused by the loss

    List<Tensor> ys = last.apply(mix.apply(mix.apply(List.of(a0, b0))));
    ys.get(0).sum().backward();
    Tensor gw = w.grad().clone(), ga = a0.grad().clone(), gb = b0.grad().clone();
    w.mutable_grad().reset(); a0.mutable_grad().reset(); b0.mutable_grad().reset();

    ActivationCheckpoint c = ActivationCheckpoint.forward(List.of(mix, mix, last), List.of(a0, b0));
    c.outputs().get(0).sum().backward();
    c.backward();
    double d = Math.max(Tensors.maxAbsDiff(w.grad(), gw), Math.max(Tensors.maxAbsDiff(a0.grad(), ga), Tensors.maxAbsDiff(b0.grad(), gb)));
    System.out.println("checkpointing (2 tensors per segment): max abs grad diff " + d);
    assertThat(d).isLessThan(1e-6);
  }
}
