package dev.dualproc.engine;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * Seeded noise drawn on the CPU with libtorch's own Philox-free CPU generator (mt19937 + Box-Muller), so that
 * {@code Rng.normal(seed, shape)} equals PyTorch's {@code torch.manual_seed(seed); torch.randn(shape)} bit for bit,
 * and a seed gives the same image on any device (the noise is moved after drawing).
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
}
