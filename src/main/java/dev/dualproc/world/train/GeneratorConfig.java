package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.FluxParams;
import java.util.List;

/**
 * What `dualproc world train generator` trains: the autoencoder, transformer and text encoder shapes, the image size,
 * and the two phases' hyperparameters (autoencoder reconstruction first, then rectified flow). Named configs only, so
 * a state folder and a model card can say which one and a resume can refuse a different one.
 */
public record GeneratorConfig(String name, int size, AutoEncoderParams ae, int[] fluxShape, TextSizes t5, TextSizes clip,
    int t5MaxLength, int clipMaxLength, int aeSteps, int aeBatch, double aeLr, double aeKlWeight, int latentStatImages, int batch, double lr,
    int warmup, double weightDecay, double emaDecay, double captionDropout, double gradClip, int sampleSteps, AeLoss aeLoss,
    int kindChannels) {

  /** A text encoder's shape: width, layers, heads, feed-forward width. */
  public record TextSizes(int dModel, int layers, int heads, int dFf) {}

  /**
   * The autoencoder phase's loss beyond L1 + KL: extra L1 weight inside the objects' boxes, an L1 term on neighbour
   * differences (edges), and latent degradation: half the items decode their latent blended toward its 3x3 box blur
   * by a share drawn up to {@code latentBlur}, plus Gaussian noise up to {@code latentNoise} latent standard
   * deviations, and must still give the sharp scene. The transformer's latents are smoother and noisier than the
   * encoder's; a decoder that draws the objects from such latents forces the encoder to spread what names an object
   * over more than one latent cell.
   */
  public record AeLoss(double objectWeight, double edgeWeight, double latentBlur, double latentNoise) {
    public static final AeLoss PLAIN = new AeLoss(0, 0, 0, 0);
    public boolean degrades() { return latentBlur > 0 || latentNoise > 0; }
  }

  /** The names `--config` accepts, the recommended one first. */
  public static final List<String> NAMES = List.of("standard", "kinds", "robust", "deep", "latent16", "small", "micro");

  public GeneratorConfig {
    fluxShape = fluxShape.clone();
    if (kindChannels != 0 && (kindChannels != KindChannels.COUNT || ae.zChannels() <= kindChannels))
      throw new IllegalArgumentException("kindChannels is 0 or " + KindChannels.COUNT + " after at least one image channel");
    if (fluxShape.length != 4) throw new IllegalArgumentException("fluxShape is {hidden, heads, double blocks, single blocks}");
    if (size % (ae.downFactor() * 2) != 0) throw new IllegalArgumentException("size " + size + " must be a multiple of 2 x the autoencoder factor");
  }

  /** A config without kind channels. */
  public GeneratorConfig(String name, int size, AutoEncoderParams ae, int[] fluxShape, TextSizes t5, TextSizes clip,
      int t5MaxLength, int clipMaxLength, int aeSteps, int aeBatch, double aeLr, double aeKlWeight, int latentStatImages, int batch, double lr,
      int warmup, double weightDecay, double emaDecay, double captionDropout, double gradClip, int sampleSteps, AeLoss aeLoss) {
    this(name, size, ae, fluxShape, t5, clip, t5MaxLength, clipMaxLength, aeSteps, aeBatch, aeLr, aeKlWeight, latentStatImages, batch, lr,
        warmup, weightDecay, emaDecay, captionDropout, gradClip, sampleSteps, aeLoss, 0);
  }

  /** Whether an export with {@code zFrom} latent channels grows into this config by adding its kind channels. */
  public boolean growsKindChannelsFrom(int zFrom) { return kindChannels > 0 && zFrom == imageChannels(); }

  /** The autoencoder's channels that encode the image (all but the kind channels). */
  public int imageChannels() { return ae.zChannels() - kindChannels; }

  /** This config with {@link KindChannels#COUNT} kind channels after its image channels, under another name. */
  public GeneratorConfig withKindChannels(String newName) {
    AutoEncoderParams a = ae;
    return new GeneratorConfig(newName, size, new AutoEncoderParams(a.resolution(), a.inChannels(), a.ch(), a.outCh(), a.chMult(), a.numResBlocks(),
        a.zChannels() + KindChannels.COUNT, a.scaleFactor(), a.shiftFactor()), fluxShape, t5, clip, t5MaxLength, clipMaxLength, aeSteps, aeBatch, aeLr,
        aeKlWeight, latentStatImages, batch, lr, warmup, weightDecay, emaDecay, captionDropout, gradClip, sampleSteps, aeLoss, KindChannels.COUNT);
  }

  public static GeneratorConfig named(String name) {
    return switch (name) {
      case "standard" -> standard();
      case "kinds" -> kinds();
      case "deep" -> deep();
      case "robust" -> robust();
      case "latent16" -> latent16();
      case "small" -> small();
      case "micro" -> micro();
      default -> throw new DualprocException("--config: expected one of " + NAMES + ", got '" + name + "'");
    };
  }

  /** 64x64, 4x autoencoder with 8 latent channels (8x8 = 64 tokens), transformer 192 wide, 3 + 3 blocks: about 7.5M parameters. */
  public static GeneratorConfig standard() {
    return new GeneratorConfig("standard", 64, new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2}, 1, 8, 1.0, 0.0),
        new int[] {192, 3, 3, 3}, new TextSizes(128, 2, 4, 256), new TextSizes(128, 2, 4, 256), 24, 24,
        2000, 16, 1e-3, 1e-4, 256, 32, 5e-4, 500, 0.0, 0.999, 0.1, 1.0, 8, AeLoss.PLAIN);
  }

  /**
   * standard with {@link KindChannels} (8 image + 6 kind latent channels, 56 packed features a token): grown from an
   * 8-channel export by `--init-from` (it has no autoencoder phase of its own), the decoder then taught to draw the
   * kinds by `world train decoder`.
   */
  public static GeneratorConfig kinds() { return standard().withKindChannels("kinds"); }

  /**
   * standard with twice the blocks (6 + 6): held-out renoising shows standard turning visible objects into blobs
   * even at low noise, so capacity for small shapes is what it lacks. `--init-from` a standard export grows it
   * (the extra blocks start as identities).
   */
  public static GeneratorConfig deep() {
    return new GeneratorConfig("deep", 64, new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2}, 1, 8, 1.0, 0.0),
        new int[] {192, 3, 6, 6}, new TextSizes(128, 2, 4, 256), new TextSizes(128, 2, 4, 256), 24, 24,
        2000, 16, 1e-3, 1e-4, 256, 32, 5e-4, 500, 0.0, 0.999, 0.1, 1.0, 8, AeLoss.PLAIN);
  }

  /**
   * standard whose autoencoder is trained to draw the objects from degraded latents (object-weighted L1, edges,
   * latent blur and noise; see {@link AeLoss}), for 3,000 steps: the committed decoder loses two thirds of the
   * objects when its latent is blended halfway toward a 3x3 blur, and the transformer's latents are that smooth.
   */
  public static GeneratorConfig robust() {
    return new GeneratorConfig("robust", 64, new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2}, 1, 8, 1.0, 0.0),
        new int[] {192, 3, 3, 3}, new TextSizes(128, 2, 4, 256), new TextSizes(128, 2, 4, 256), 24, 24,
        3000, 16, 1e-3, 1e-4, 256, 32, 5e-4, 500, 0.0, 0.999, 0.1, 1.0, 8, new AeLoss(4, 1, 0.6, 0.2));
  }

  /** micro with two blocks of each kind: the test of growing by `--init-from`. */
  static GeneratorConfig microDeep() {
    GeneratorConfig m = micro();
    return new GeneratorConfig("micro", m.size(), m.ae(), new int[] {32, 2, 2, 2}, m.t5(), m.clip(), m.t5MaxLength(), m.clipMaxLength(),
        m.aeSteps(), m.aeBatch(), m.aeLr(), m.aeKlWeight(), m.latentStatImages(), m.batch(), m.lr(), m.warmup(), m.weightDecay(),
        m.emaDecay(), m.captionDropout(), m.gradClip(), m.sampleSteps(), m.aeLoss());
  }

  /** micro with 8 latent channels (32 packed features, as standard): the test of local object codes. */
  static GeneratorConfig microLatent8() {
    GeneratorConfig m = micro();
    AutoEncoderParams a = m.ae();
    return new GeneratorConfig("micro", m.size(), new AutoEncoderParams(a.resolution(), a.inChannels(), a.ch(), a.outCh(), a.chMult(), a.numResBlocks(), 8, 1.0, 0.0),
        m.fluxShape(), m.t5(), m.clip(), m.t5MaxLength(), m.clipMaxLength(), m.aeSteps(), m.aeBatch(), m.aeLr(), m.aeKlWeight(), m.latentStatImages(), m.batch(),
        m.lr(), m.warmup(), m.weightDecay(), m.emaDecay(), m.captionDropout(), m.gradClip(), m.sampleSteps(), m.aeLoss());
  }

  /** micro with two autoencoder steps under robust's autoencoder loss: the test of {@link AeLoss}. */
  static GeneratorConfig microRobust() {
    GeneratorConfig m = micro();
    return new GeneratorConfig("micro", m.size(), m.ae(), m.fluxShape(), m.t5(), m.clip(), m.t5MaxLength(), m.clipMaxLength(),
        2, m.aeBatch(), m.aeLr(), m.aeKlWeight(), m.latentStatImages(), m.batch(), m.lr(), m.warmup(), m.weightDecay(),
        m.emaDecay(), m.captionDropout(), m.gradClip(), m.sampleSteps(), robust().aeLoss());
  }

  /**
   * standard with 16 latent channels (the transformer's tokens 64 wide): the 8-channel autoencoder's round trip keeps
   * the captioned objects in only 38% of scenes (66.5% after a decoder refinement), a ceiling below issue 6's 85%.
   */
  public static GeneratorConfig latent16() {
    return new GeneratorConfig("latent16", 64, new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2}, 1, 16, 1.0, 0.0),
        new int[] {192, 3, 3, 3}, new TextSizes(128, 2, 4, 256), new TextSizes(128, 2, 4, 256), 24, 24,
        2000, 16, 1e-3, 1e-4, 256, 32, 5e-4, 500, 0.0, 0.999, 0.1, 1.0, 8, AeLoss.PLAIN);
  }

  /** The same world, transformer 128 wide with two blocks of each kind: about a third of the compute per step. */
  public static GeneratorConfig small() {
    return new GeneratorConfig("small", 64, new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2}, 1, 8, 1.0, 0.0),
        new int[] {128, 2, 2, 2}, new TextSizes(96, 2, 4, 192), new TextSizes(96, 2, 4, 192), 24, 24,
        1500, 16, 1e-3, 1e-4, 256, 32, 6e-4, 300, 0.0, 0.999, 0.1, 1.0, 8, AeLoss.PLAIN);
  }

  /** For tests: 32x32 scenes, a 2x autoencoder, one block of each kind, one-layer text encoders; a step takes milliseconds. */
  public static GeneratorConfig micro() {
    return new GeneratorConfig("micro", 32, new AutoEncoderParams(32, 3, 32, 3, new int[] {1, 2}, 1, 4, 1.0, 0.0),
        new int[] {32, 2, 1, 1}, new TextSizes(16, 1, 2, 32), new TextSizes(16, 1, 2, 32), 20, 20,
        1, 2, 1e-3, 1e-4, 8, 2, 1e-3, 2, 0.0, 0.9, 0.5, 1.0, 2, AeLoss.PLAIN);
  }

  @Override public int[] fluxShape() { return fluxShape.clone(); }

  /** The transformer: schnell-like (no guidance embedder), RoPE axes (0, row, col) with the spare width on the two spatial axes. */
  public FluxParams flux() {
    int hidden = fluxShape[0], heads = fluxShape[1], headDim = hidden / heads;
    int first = Math.max(2, headDim / 16 / 2 * 2);
    int spatial = (headDim - first) / 2 / 2 * 2;
    first = headDim - 2 * spatial;
    return new FluxParams(4 * ae.zChannels(), 4 * ae.zChannels(), clip.dModel(), t5.dModel(), hidden, 4.0, heads,
        fluxShape[2], fluxShape[3], new int[] {first, spatial, spatial}, 10_000, true, false);
  }

  public ObjectNode toJson() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = json.createObjectNode();
    n.put("name", name).put("size", size);
    n.set("autoencoder", ae.toDiffusersJson());
    n.set("transformer", flux().toDiffusersJson());
    n.set("text_encoder_2_t5", json.valueToTree(t5));
    n.set("text_encoder_clip", json.valueToTree(clip));
    n.put("t5_max_length", t5MaxLength).put("clip_max_length", clipMaxLength);
    n.put("ae_steps", aeSteps).put("ae_batch", aeBatch).put("ae_lr", aeLr).put("ae_kl_weight", aeKlWeight)
        .put("latent_stat_images", latentStatImages);
    if (!aeLoss.equals(AeLoss.PLAIN)) n.set("ae_loss", json.valueToTree(aeLoss));
    n.put("batch", batch).put("lr", lr).put("warmup", warmup).put("weight_decay", weightDecay).put("ema_decay", emaDecay)
        .put("caption_dropout", captionDropout).put("grad_clip", gradClip).put("sample_steps", sampleSteps);
    if (kindChannels > 0) n.put("kind_channels", kindChannels); // absent: states written before stay equal
    return n;
  }
}
