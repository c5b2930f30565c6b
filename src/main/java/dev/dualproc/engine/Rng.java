package dev.dualproc.engine;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Seeded noise drawn on the CPU with libtorch's CPU generator (mt19937; normals by Box-Muller), so that
 * {@code Rng.normal(seed, shape)} equals PyTorch's {@code torch.manual_seed(seed); torch.randn(shape)} bit for bit,
 * and a seed gives the same image on any device (the noise is moved after drawing).
 *
 * <p>For resume, {@link #state} gives the generator's whole state as a U8 tensor (libtorch's {@code get_state}: the
 * mt19937 words, the seed and the cached normal), which can be saved in a safetensors file; {@link #restore} rebuilds a
 * generator that continues the same stream.
 */
public final class Rng {
  private Rng() {}

  public static Generator generator(long seed) { return make_generator_cpu(seed); }

  public static Tensor normal(long seed, long... shape) { return normal(generator(seed), shape); }

  public static Tensor normal(Generator g, long... shape) {
    return randn(shape, new GeneratorOptional(g), new TensorOptions(ScalarType.Float));
  }

  public static Tensor uniform(Generator g, long... shape) {
    return rand(shape, new GeneratorOptional(g), new TensorOptions(ScalarType.Float));
  }

  /** PyTorch's default init of a Linear or Conv weight or bias: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  public static Tensor uniformInit(Generator g, long fanIn, long... shape) {
    double bound = 1.0 / Math.sqrt(fanIn);
    return uniform(g, shape).mul(new org.bytedeco.pytorch.Scalar(2 * bound)).sub(new org.bytedeco.pytorch.Scalar(bound));
  }

  /** A copy of the generator's state (U8, 1-d): save it with the other resume state. */
  public static Tensor state(Generator g) { return g.get_state().clone(); }

  /** A new CPU generator continuing from a state taken by {@link #state}. */
  public static Generator restore(Tensor state) {
    if (!Tensors.isDtype(state, ScalarType.Byte) || state.dim() != 1)
      throw new DualprocException("RNG state: expected a 1-d U8 tensor from Rng.state, got " + DType.of(state.scalar_type())
          + " " + Tensors.shapeString(state));
    Generator g = make_generator_cpu();
    try {
      g.set_state(state.contiguous());
    } catch (RuntimeException e) {
      throw new DualprocException("RNG state: libtorch rejected it (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    return g;
  }
}
