package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * BFL sampling.get_schedule: {@code steps + 1} times from 1 to 0 (float32, as torch.linspace makes them); dev shifts
 * them toward 1 by an amount linear in the image token count, mu from (256, 0.5) to (4096, 1.15):
 * t' = e^mu / (e^mu + (1/t - 1)).
 */
public final class FluxSchedule {
  private FluxSchedule() {}

  public static final double BASE_SHIFT = 0.5, MAX_SHIFT = 1.15;

  /** schnell: no shift (4 steps by default). */
  public static float[] schnell(int steps) { return timesteps(steps, 0, false); }

  /** dev: shifted by the image sequence length (tokens after 2x2 packing). */
  public static float[] dev(int steps, long imageSeqLen) { return timesteps(steps, imageSeqLen, true); }

  public static float[] timesteps(int steps, long imageSeqLen, boolean shift) {
    if (steps < 1) throw new DualprocException("steps: expected at least 1, got " + steps);
    Tensor t = linspace(new Scalar(1.0), new Scalar(0.0), steps + 1, new TensorOptions(ScalarType.Float));
    if (shift) {
      double eMu = Math.exp(mu(imageSeqLen));
      // time_shift(mu, 1.0, t) in float32 with torch's order (a scalar divided by a tensor is reciprocal * scalar); t = 0 gives 0
      Tensor denom = t.reciprocal().sub(new Scalar(1.0)).pow(new Scalar(1.0)).add(new Scalar(eMu));
      t = denom.reciprocal().mul(new Scalar(eMu));
    }
    return Tensors.floats(t);
  }

  /** get_lin_function(x1=256, y1=0.5, x2=4096, y2=1.15) at the image sequence length. */
  public static double mu(long imageSeqLen) {
    double m = (MAX_SHIFT - BASE_SHIFT) / (4096 - 256);
    double b = BASE_SHIFT - m * 256;
    return m * imageSeqLen + b;
  }
}
