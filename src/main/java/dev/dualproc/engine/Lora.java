package dev.dualproc.engine;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * One low-rank adapter on a block of a linear layer's output rows: dW = (alpha / rank) * weight * B A.
 * {@code name} is the diffusers/PEFT module path (e.g. {@code transformer_blocks.0.attn.to_q}), so a fused BFL weight
 * (qkv) can carry one adapter per diffusers module. A ~ N(0, 1/rank) and B = 0 (PEFT's gaussian init), so dW starts at 0.
 */
public final class Lora {
  public final String name;
  public final int rank;
  public final double alpha;
  public final long rowStart, rowEnd;
  public final Tensor A; // [rank, in]
  public final Tensor B; // [rowEnd - rowStart, rank]
  private double weight = 1.0;
  private boolean enabled = true;

  public Lora(String name, long in, long rowStart, long rowEnd, int rank, double alpha, Generator init, Placement p) {
    this.name = name; this.rank = rank; this.alpha = alpha; this.rowStart = rowStart; this.rowEnd = rowEnd;
    Tensor a = Rng.normal(init, rank, in).mul(Tensors.scalar(1.0 / rank));
    this.A = p.place(a).detach().requires_grad_(true);
    this.B = p.place(zeros(rowEnd - rowStart, rank)).detach().requires_grad_(true);
  }

  /** Runtime strength, PEFT's adapter weight: the scale applied is weight * alpha / rank. */
  public double weight() { return weight; }
  public void setWeight(double w) { weight = w; }
  public boolean enabled() { return enabled; }
  public void setEnabled(boolean e) { enabled = e; }
  public double scale() { return weight * alpha / rank; }
  public long rows() { return rowEnd - rowStart; }

  /** (alpha/rank) * weight * x A^T B^T for the adapter's row block. */
  public Tensor delta(Tensor x) { return linear(linear(x, A), B).mul(Tensors.scalar(scale())); }

  /** The dense update dW for this block, [rows, in]. */
  public Tensor deltaWeight() { return B.matmul(A).mul(Tensors.scalar(scale())); }
}
