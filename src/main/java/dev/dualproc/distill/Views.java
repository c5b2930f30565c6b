package dev.dualproc.distill;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * What the critic is shown of one decoded image (views, view_augment): the image itself (the reference), or N randomly
 * augmented copies whose losses are averaged (an expectation over transformations, so that a pattern that fools the
 * critic at one exact pixel position counts less). Augmentations are differentiable and drawn from a generator seeded
 * by (seed, step), so a resumed run draws exactly the same ones; the overlay is applied afterwards and stays crisp, or,
 * with {@code with_overlay}, the overlaid image is augmented: the shift then moves the scene and its overlay together
 * across the critic's patch grid, which asks the same question at other grid phases (a critic with 8-pixel patches
 * cannot tell a horizon on its line from one 3 px off at a patch boundary; at another phase it can).
 */
public final class Views {
  private final int n;
  private final TaskSpec.ViewAugment augment; // null: the plain image

  public Views(int n, TaskSpec.ViewAugment augment) { this.n = n; this.augment = augment; }

  public static Views of(TaskSpec spec) { return new Views(spec.views() == null ? 1 : spec.views(), spec.viewAugment()); }

  /** True when each question's overlaid image is augmented (the overlay moves with the scene), not the bare image. */
  public boolean withOverlay() { return augment != null && Boolean.TRUE.equals(augment.withOverlay()); }

  /** The views of (0-based) step {@code step}'s image [1, 3, H, W]. */
  public List<Tensor> of(Tensor image, int step) {
    if (augment == null) return List.of(image);
    Generator g = Rng.generator(augment.seed() * 1_000_003L + step);
    List<Tensor> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) out.add(view(image, g));
    return out;
  }

  // shift (edges repeated), then blur, then noise; every draw comes from g in a fixed order
  private Tensor view(Tensor image, Generator g) {
    float[] u = Tensors.floats(Rng.uniform(g, 3));
    int s = augment.shift();
    int dx = Math.round((u[0] * 2 - 1) * s), dy = Math.round((u[1] * 2 - 1) * s);
    Tensor x = shift(image, dx, dy);
    double sigma = u[2] * augment.blur();
    if (sigma > 0.05) x = blur(x, sigma);
    Tensor noise = Rng.normal(g, Tensors.shape(image)).to(image.device(), image.scalar_type());
    return augment.noise() > 0 ? x.add(noise.mul(Tensors.scalar(augment.noise()))) : x;
  }

  /** The image moved by (dx, dy) pixels, the uncovered border filled with the nearest edge pixels. */
  static Tensor shift(Tensor x, int dx, int dy) {
    if (dx == 0 && dy == 0) return x;
    long h = x.size(2), w = x.size(3);
    int p = Math.max(Math.abs(dx), Math.abs(dy));
    Tensor padded = replication_pad2d(x, new long[] {p, p, p, p});
    return padded.narrow(2, p - dy, h).narrow(3, p - dx, w);
  }

  /** A separable Gaussian blur, radius ceil(3 sigma), reflected edges; per channel. */
  static Tensor blur(Tensor x, double sigma) {
    int r = Math.max(1, (int) Math.ceil(3 * sigma));
    r = (int) Math.min(r, Math.min(x.size(2), x.size(3)) - 1);
    float[] k = new float[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-0.5 * i * i / (sigma * sigma));
    for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
    long c = x.size(1);
    Tensor kernel = Tensors.fromFloats(k, 1, 1, 1, k.length).to(x.device(), x.scalar_type());
    Tensor kx = kernel.expand(new long[] {c, 1, 1, k.length}).contiguous();
    Tensor ky = kernel.reshape(1, 1, k.length, 1).expand(new long[] {c, 1, k.length, 1}).contiguous();
    Tensor y = reflection_pad2d(x, new long[] {r, r, r, r});
    y = dev.dualproc.engine.Convolutions.conv2d(y, kx, null, 1, 0, c);
    return dev.dualproc.engine.Convolutions.conv2d(y, ky, null, 1, 0, c);
  }
}
