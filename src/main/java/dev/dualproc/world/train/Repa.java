package dev.dualproc.world.train;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.model.vlm.IdeficsCritic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cosine_similarity;
import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.silu;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;

/**
 * Representation alignment (REPA, Yu et al. 2024): the transformer's image tokens after one early block, read from the
 * noisy input, are asked to predict (through a small MLP, the projector) a frozen vision encoder's patch features of
 * the clean scene: loss -cos. It gives the transformer object-level features early, which is what it is slowest to
 * learn. The encoder is the built-in critic's SigLIP tower (8 px patches: at 64 px one patch per 8 px token, the same
 * grid as the transformer's). The projector trains with its own AdamW and is saved in the state, never exported.
 */
final class Repa {
  /** The image tokens after this double block (0-based; the last one when the config has fewer). */
  static final int BLOCK = 1;
  static final int HIDDEN = 384;

  final double weight;
  final Path encoderFolder;
  private final IdeficsCritic encoder;
  final Map<String, Tensor> projector = new LinkedHashMap<>();
  final AdamW opt;

  Repa(double weight, Path encoderFolder, long hiddenSize, long seed, double lr) {
    this.weight = weight;
    this.encoderFolder = encoderFolder;
    if (!Files.isRegularFile(encoderFolder.resolve("config.json")))
      throw new DualprocException("--repa: the vision encoder " + encoderFolder + " has no config.json (the built-in critic: dualproc world train vlm)");
    encoder = IdeficsCritic.load(encoderFolder, Placement.cpu());
    long features = encoder.model.config.vision().hiddenSize();
    var g = Rng.generator(seed);
    projector.put("proj.0.weight", Rng.uniformInit(g, hiddenSize, HIDDEN, hiddenSize).contiguous());
    projector.put("proj.0.bias", Rng.uniformInit(g, hiddenSize, HIDDEN).contiguous());
    projector.put("proj.2.weight", Rng.uniformInit(g, HIDDEN, features, HIDDEN).contiguous());
    projector.put("proj.2.bias", Rng.uniformInit(g, HIDDEN, features).contiguous());
    projector.values().forEach(t -> t.requires_grad_(true));
    opt = new AdamW(java.util.List.copyOf(projector.values()), AdamW.Options.lr(lr));
  }

  /** The encoder folder as trainer.json records it: relative to the dualproc home when inside it, so a state moves with a clone. */
  static String recorded(Path encoder) {
    Path e = encoder.toAbsolutePath().normalize();
    return dev.dualproc.engine.DualprocHome.find().map(h -> h.toAbsolutePath().normalize())
        .filter(e::startsWith).map(h -> h.relativize(e).toString()).orElse(e.toString());
  }

  /** A recorded encoder folder: absolute, or relative to the dualproc home. */
  static Path resolve(String recorded) {
    Path p = Path.of(recorded);
    return p.isAbsolute() ? p : dev.dualproc.engine.DualprocHome.find().map(h -> h.resolve(p)).orElse(p);
  }

  /** The double block whose image tokens are aligned, for a transformer with {@code doubleBlocks} of them. */
  static int block(int doubleBlocks) { return Math.min(BLOCK, doubleBlocks - 1); }

  /**
   * -mean cos(projector(hidden), encoder(images)) over the image tokens: {@code hidden} [B, G*G, d] (the tokens in
   * row-major order), {@code images} [B, 3, S, S] in [-1, 1] (SigLIP's normalisation), resized to the encoder's size.
   */
  Tensor loss(Tensor hidden, Tensor images) {
    Tensor target;
    try (NoGradGuard ng = new NoGradGuard()) {
      int size = encoder.model.config.vision().imageSize();
      Tensor x = images.size(2) == size && images.size(3) == size ? images : upsample_bilinear2d(images, new long[] {size, size}, false);
      target = encoder.model.visionHidden(x).to(ScalarType.Float);
    }
    if (target.size(1) != hidden.size(1))
      throw new DualprocException("--repa: the encoder has " + target.size(1) + " patches per image, the transformer " + hidden.size(1)
          + " image tokens; they must be the same grid");
    Tensor h = silu(linear(hidden.to(ScalarType.Float), projector.get("proj.0.weight"), new TensorOptional(projector.get("proj.0.bias"))));
    Tensor z = linear(h, projector.get("proj.2.weight"), new TensorOptional(projector.get("proj.2.bias")));
    return cosine_similarity(z, target, 2, 1e-8).mean().neg();
  }

  void save(Path dir, Map<String, String> meta) { HeadState.save(dir, "repa", projector, opt, meta); }

  void load(Path dir) { HeadState.load(dir, "repa", projector, opt); }
}
