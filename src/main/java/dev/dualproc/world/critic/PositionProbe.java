package dev.dualproc.world.critic;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.SceneRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Does each image token know where it is? A linear probe (ridge, one weight vector shared by all positions) reads a
 * patch state or an image token alone and says whether it lies in the left or the right half (column) and in the top
 * or the bottom half (row), trained on 80% of held-out rendered scenes and scored on the rest. The decoder's rotary
 * positions steer attention but add nothing to what attention reads, so a question about where a named object is
 * can only be answered if the token that shows the object also says where it is: a column probe at chance means
 * left-right cannot be read by finding the object.
 *
 * @param patchColumn, patchRow accuracies on the vision tower's patch states (after post_layernorm)
 * @param tokenColumn, tokenRow accuracies on the connector's image tokens (Idefics3 pixel shuffle: token t covers block
 *     row t / (side / s), block column t mod (side / s))
 */
public record PositionProbe(double patchColumn, double patchRow, double tokenColumn, double tokenRow, int scenes) {
  /** Held-out scene seeds of the probe, after HorizonResponse's. */
  public static final long FIRST_SEED = 9_200_000L;
  static final double TRAIN_SHARE = 0.8, RIDGE = 1e-2;

  public static PositionProbe measure(IdeficsCritic critic, int scenes) {
    if (scenes < 5) throw new IllegalArgumentException("a position probe needs at least 5 scenes, got " + scenes);
    List<float[][]> patches = new ArrayList<>(), tokens = new ArrayList<>();
    for (int s = 0; s < scenes; s++) {
      SceneRenderer.Rendered r = SceneRenderer.render(FIRST_SEED + s, CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE);
      StepScope.run(() -> {
        try (NoGradGuard g = new NoGradGuard()) {
          Tensor vision = critic.model.visionHidden(critic.pixelValues(Images.toTensor(r.image())));
          patches.add(rows(vision.select(0, 0)));
          tokens.add(rows(critic.model.connect(vision)));
        }
      });
    }
    int train = (int) Math.round(scenes * TRAIN_SHARE);
    return new PositionProbe(accuracy(patches, train, true), accuracy(patches, train, false),
        accuracy(tokens, train, true), accuracy(tokens, train, false), scenes);
  }

  /** [n, d] -> n rows of d floats. */
  private static float[][] rows(Tensor x) {
    Tensor y = x.to(ScalarType.Float).contiguous();
    int n = (int) y.size(0), d = (int) y.size(1);
    FloatPointer p = new FloatPointer(y.data_ptr_float());
    float[][] out = new float[n][d];
    for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) out[i][j] = p.get((long) i * d + j);
    return out;
  }

  /** Test accuracy of a ridge probe for each state's half (left/right or top/bottom) of its square grid. */
  private static double accuracy(List<float[][]> perScene, int trainScenes, boolean column) {
    int n = perScene.get(0).length, side = (int) Math.round(Math.sqrt(n));
    List<float[]> x = new ArrayList<>();
    List<Boolean> y = new ArrayList<>();
    for (float[][] scene : perScene)
      for (int i = 0; i < n; i++) { x.add(scene[i]); y.add((column ? i % side : i / side) < side / 2); }
    return RidgeProbe.fit(x.subList(0, trainScenes * n), y.subList(0, trainScenes * n), RIDGE)
        .accuracy(x.subList(trainScenes * n, x.size()), y.subList(trainScenes * n, y.size()));
  }

  /** A markdown table of the four probes. */
  public String table() {
    return String.format(Locale.ROOT, """
        | states | own column (left/right half) | own row (top/bottom half) |
        |---|---|---|
        | vision patches | %.1f%% | %.1f%% |
        | image tokens | %.1f%% | %.1f%% |
        """, 100 * patchColumn, 100 * patchRow, 100 * tokenColumn, 100 * tokenRow);
  }
}
