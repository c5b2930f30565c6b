package dev.dualproc.world.train;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.LatentPacking;
import dev.dualproc.world.SceneTruth;
import dev.dualproc.world.critic.PatchTargets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;
import static org.bytedeco.pytorch.global.torch.linear;

/**
 * The scene-map head: from the transformer's image tokens after one early double block (read from the noisy input),
 * a linear layer predicts, for each of the token's 2x2 latent cells, what the clean scene shows there (sky, ground,
 * sun or moon, or an object's kind) and the object's colour, from the renderer's truth (cross-entropy, the two
 * families summed). Why: the generator draws captioned colours in the right places but ignores the kind word (the
 * same blob for "a red car" and "a red house" from the same noise); a head that pays for the kind at each cell makes
 * the early tokens carry it from the caption. Trains with its own AdamW, lives in the state, never in the export.
 */
final class SceneMap {
  /** The image tokens after this double block (0-based; the last one when the config has fewer), as {@link Repa}. */
  static final int BLOCK = 1;
  static final int CELLS = 4; // 2x2 latent cells per token (FLUX packing)
  static final int LOGITS = PatchTargets.THINGS + PatchTargets.COLOURS;

  final double weight;
  final Map<String, Tensor> head = new LinkedHashMap<>();
  final AdamW opt;

  SceneMap(double weight, long hiddenSize, long seed, double lr) {
    this.weight = weight;
    var g = Rng.generator(seed);
    head.put("head.weight", Rng.uniformInit(g, hiddenSize, CELLS * LOGITS, hiddenSize).contiguous());
    head.put("head.bias", Rng.uniformInit(g, hiddenSize, CELLS * LOGITS).contiguous());
    head.values().forEach(t -> t.requires_grad_(true));
    opt = new AdamW(List.copyOf(head.values()), AdamW.Options.lr(lr));
  }

  static int block(int doubleBlocks) { return Math.min(BLOCK, doubleBlocks - 1); }

  /**
   * The labels of each scene's latent cells (an image of {@code size} pixels over a {@code latent} x {@code latent}
   * grid), packed like the latent: [B, tokens, 4] things and the same for colours.
   */
  static Tensor[] labels(List<SceneTruth> truths, int size, int latent) {
    if (size % latent != 0) throw new DualprocException("scene map: image size " + size + " is not a multiple of the latent grid " + latent);
    int cell = size / latent, n = truths.size();
    float[] things = new float[n * latent * latent], colours = new float[things.length];
    for (int i = 0; i < n; i++) {
      long[][] tc = PatchTargets.thingsAndColours(truths.get(i), cell);
      for (int j = 0; j < latent * latent; j++) {
        things[i * latent * latent + j] = tc[0][j];
        colours[i * latent * latent + j] = tc[1][j];
      }
    }
    return new Tensor[] {
        LatentPacking.pack(Tensors.fromFloats(things, n, 1, latent, latent)).to(ScalarType.Long),
        LatentPacking.pack(Tensors.fromFloats(colours, n, 1, latent, latent)).to(ScalarType.Long)};
  }

  /** Cross-entropy of the things plus that of the colours, mean over cells: {@code hidden} [B, T, d], labels as {@link #labels}. */
  Tensor loss(Tensor hidden, Tensor[] labels) {
    long b = hidden.size(0), tokens = hidden.size(1);
    if (labels[0].size(1) != tokens)
      throw new DualprocException("scene map: " + labels[0].size(1) + " labelled tokens per image, the transformer has " + tokens);
    Tensor logits = linear(hidden.to(ScalarType.Float), head.get("head.weight"), new TensorOptional(head.get("head.bias")))
        .reshape(b * tokens * CELLS, LOGITS);
    Tensor things = logits.narrow(1, 0, PatchTargets.THINGS), colours = logits.narrow(1, PatchTargets.THINGS, PatchTargets.COLOURS);
    return crossEntropy(things, labels[0]).add(crossEntropy(colours, labels[1]));
  }

  private static Tensor crossEntropy(Tensor logits, Tensor labels) {
    return cross_entropy_loss(logits, labels.reshape(-1), new TensorOptional(), 1 /* mean */, -100, 0.0);
  }

  void save(Path dir, Map<String, String> meta) { HeadState.save(dir, "scene_map", head, opt, meta); }

  void load(Path dir) { HeadState.load(dir, "scene_map", head, opt); }
}
