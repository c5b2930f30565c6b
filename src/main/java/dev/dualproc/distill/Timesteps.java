package dev.dualproc.distill;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Which sampling step i a teaching step trains (paper-brief §1.3 step 2): u ~ U[0, 1), i = floor(u * N) over the
 * generator's N sampling steps ("uniform", the no-grad rollout then runs i steps), or always i = 0 from pure noise
 * ("one-step", schnell-like generators). u is drawn every step in both rules, from a seeded CPU generator whose state
 * is checkpointed (the reference uses the unseeded global RNG).
 */
final class Timesteps {
  private org.bytedeco.pytorch.Generator rng;
  private final boolean oneStep;
  private final int n;

  Timesteps(String rule, Generator generator, long seed) {
    this.rng = Rng.generator(seed);
    this.oneStep = switch (rule) {
      case "one-step" -> true;
      case "uniform" -> false;
      default -> generator.oneStepFromNoise();
    };
    this.n = generator.steps();
  }

  int next() {
    double u = Tensors.item(Rng.uniform(rng, 1));
    return oneStep ? 0 : Math.min(n - 1, (int) Math.floor(u * n));
  }

  String rule() { return oneStep ? "one-step" : "uniform"; }

  Tensor state() { return Rng.state(rng); }

  void restore(Tensor state) { rng = Rng.restore(state); }
}
