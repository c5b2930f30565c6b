package dev.dualproc.world.train;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.Convolutions;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.KindCrop;
import dev.dualproc.eval.KindNet;
import dev.dualproc.eval.KindSamples;
import dev.dualproc.eval.Scrambles;
import dev.dualproc.world.Kind;
import dev.dualproc.world.SceneRenderer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;
import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.relu;

/**
 * Trains the objects verifier's kind network ({@link KindNet}) on crops of rendered scenes: half of them degraded by
 * a random mix of blur, rescaling, noise and a colour shift, so that the verifier reads soft and noisy images as well
 * as crisp ones. Only rendered scenes are used (never a generator's images or its autoencoder), so the verifier stays
 * independent of what it judges. Every step follows from the seed: scenes from {@link #SEEDS} + i, batches from a
 * seeded shuffle; a few minutes on one core.
 */
public final class KindNetTrainer {
  private KindNetTrainer() {}

  /** Training scenes: seeds from 6 x 2^40 (the generator's ranges are 1-5 x 2^40; held-out figures use seeds below 2^40). */
  public static final long SEEDS = 6L << 40;
  /** Validation scenes, after the training ones. */
  public static final long VALIDATION_SEEDS = SEEDS + (1L << 32);

  public record Settings(int scenes, int validationScenes, int epochs, int batch, double lr, double weightDecay) {
    public static final Settings DEFAULT = new Settings(12_000, 1_500, 12, 256, 3e-3, 1e-4);
  }

  public record Result(Map<String, float[]> weights, int trainSamples, double[] validationClean, double[] validationDegraded,
                       double seconds, double lastLoss) {}

  /** A scene of the data: 64 px (70%) or 128 px, degraded or not by its own seeded draw. */
  static BufferedImage scene(long seed, boolean degrade, List<KindSamples.Sample> out) {
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
    int size = rng.nextDouble() < 0.7 ? 64 : 128;
    SceneRenderer.Rendered r = SceneRenderer.render(seed, size, size);
    BufferedImage img = degrade ? degrade(r.image(), size / 64.0, rng) : r.image();
    out.addAll(KindSamples.of(img, r.truth()));
    return img;
  }

  /** A random mix of the softening and noise a generated image shows, at the image's scale. */
  static BufferedImage degrade(BufferedImage img, double unit, SplittableRandom rng) {
    if (rng.nextDouble() < 0.6) img = Scrambles.gaussianBlur(img, unit * (0.25 + 0.75 * rng.nextDouble()));
    if (rng.nextDouble() < 0.3) img = Scrambles.rescaled(img, 0.5 + 0.4 * rng.nextDouble());
    if (rng.nextDouble() < 0.5) img = Scrambles.gaussianNoise(img, 8 * rng.nextDouble(), rng);
    if (rng.nextDouble() < 0.3) img = Scrambles.colourShift(img, rng);
    return img;
  }

  public static Result train(Settings s, long seed, Consumer<String> log) {
    long t0 = System.nanoTime();
    List<KindSamples.Sample> data = new ArrayList<>();
    for (int i = 0; i < s.scenes(); i++) scene(SEEDS + i, i % 2 == 1, data);
    List<KindSamples.Sample> clean = new ArrayList<>(), degraded = new ArrayList<>();
    for (int i = 0; i < s.validationScenes(); i++) {
      scene(VALIDATION_SEEDS + i, false, clean);
      scene(VALIDATION_SEEDS + i, true, degraded);
    }
    log.accept(String.format(Locale.ROOT, "data: %d training crops from %d scenes, %d + %d validation crops (%.0f s)",
        data.size(), s.scenes(), clean.size(), degraded.size(), (System.nanoTime() - t0) / 1e9));

    Generator g = Rng.generator(seed);
    Map<String, Tensor> params = new LinkedHashMap<>();
    for (var e : KindNet.LAYOUT.entrySet()) {
      long[] shape = e.getValue();
      String layer = e.getKey().substring(0, e.getKey().indexOf('.'));
      long fanIn = 1;
      long[] wShape = KindNet.LAYOUT.get(layer + ".weight");
      for (int d = 1; d < wShape.length; d++) fanIn *= wShape[d];
      params.put(e.getKey(), Rng.uniformInit(g, fanIn, shape).requires_grad_(true));
    }
    AdamW opt = new AdamW(List.copyOf(params.values()), AdamW.Options.lr(s.lr()).withWeightDecay(s.weightDecay()));
    int n = data.size(), stepsPerEpoch = Math.max(1, n / s.batch()), total = stepsPerEpoch * s.epochs();
    SplittableRandom shuffle = new SplittableRandom(seed);
    double lastLoss = Double.NaN;
    int step = 0;
    for (int epoch = 0; epoch < s.epochs(); epoch++) {
      int[] order = permutation(n, shuffle);
      double sum = 0;
      for (int k = 0; k < stepsPerEpoch; k++, step++) {
        double lr = s.lr() * Math.min(1, (step + 1) / 50.0) * 0.5 * (1 + Math.cos(Math.PI * step / total));
        opt.setLr(lr);
        int from = k * s.batch();
        lastLoss = StepScope.value(() -> {
          Tensor loss = loss(params, batch(data, order, from, s.batch()), labels(data, order, from, s.batch()));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          return loss.detach();
        });
        sum += lastLoss;
      }
      Map<String, float[]> w = snapshot(params);
      log.accept(String.format(Locale.ROOT, "epoch %d/%d: loss %.4f, validation accuracy clean %.4f, degraded %.4f",
          epoch + 1, s.epochs(), sum / stepsPerEpoch, accuracy(new KindNet(w), clean)[KindNet.CLASSES], accuracy(new KindNet(w), degraded)[KindNet.CLASSES]));
    }
    Map<String, float[]> w = snapshot(params);
    return new Result(w, n, accuracy(new KindNet(w), clean), accuracy(new KindNet(w), degraded), (System.nanoTime() - t0) / 1e9, lastLoss);
  }

  /** The network in libtorch (the same function as {@link KindNet#logits}, batched): [B, 4, S, S] -> [B, classes]. */
  static Tensor forward(Map<String, Tensor> p, Tensor x) {
    Tensor h = relu(Convolutions.conv2d(x, p.get("conv1.weight"), p.get("conv1.bias"), 1, 1, 1));
    h = relu(Convolutions.conv2d(h, p.get("conv2.weight"), p.get("conv2.bias"), 2, 1, 1));
    h = relu(Convolutions.conv2d(h, p.get("conv3.weight"), p.get("conv3.bias"), 2, 1, 1));
    h = relu(linear(h.flatten(1, -1), p.get("fc1.weight"), new TensorOptional(p.get("fc1.bias"))));
    return linear(h, p.get("fc2.weight"), new TensorOptional(p.get("fc2.bias")));
  }

  private static Tensor loss(Map<String, Tensor> p, Tensor x, Tensor y) {
    return cross_entropy_loss(forward(p, x), y, new TensorOptional(), 1 /* mean */, -100, 0.0);
  }

  static Tensor batch(List<KindSamples.Sample> data, int[] order, int from, int b) {
    int len = KindCrop.CHANNELS * KindCrop.SIDE * KindCrop.SIDE;
    float[] x = new float[b * len];
    for (int i = 0; i < b; i++) System.arraycopy(data.get(order[from + i]).crop(), 0, x, i * len, len);
    return Tensors.fromFloats(x, b, KindCrop.CHANNELS, KindCrop.SIDE, KindCrop.SIDE);
  }

  private static Tensor labels(List<KindSamples.Sample> data, int[] order, int from, int b) {
    long[] y = new long[b];
    for (int i = 0; i < b; i++) y[i] = data.get(order[from + i]).label();
    return Tensors.fromLongs(y, b);
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) { int j = rng.nextInt(i + 1), t = p[i]; p[i] = p[j]; p[j] = t; }
    return p;
  }

  private static Map<String, float[]> snapshot(Map<String, Tensor> params) {
    Map<String, float[]> w = new LinkedHashMap<>();
    params.forEach((k, v) -> w.put(k, Tensors.floats(v.detach().contiguous())));
    return w;
  }

  /** Per class the share of its crops named right, then the overall share (index CLASSES). */
  static double[] accuracy(KindNet net, List<KindSamples.Sample> samples) {
    int[] right = new int[KindNet.CLASSES], total = new int[KindNet.CLASSES];
    int all = 0;
    for (KindSamples.Sample s : samples) {
      Kind k = net.kind(s.crop());
      int got = k == null ? KindNet.NONE : k.ordinal();
      total[s.label()]++;
      if (got == s.label()) { right[s.label()]++; all++; }
    }
    double[] a = new double[KindNet.CLASSES + 1];
    for (int c = 0; c < KindNet.CLASSES; c++) a[c] = total[c] == 0 ? Double.NaN : right[c] / (double) total[c];
    a[KindNet.CLASSES] = samples.isEmpty() ? Double.NaN : all / (double) samples.size();
    return a;
  }

  /** Writes the network (fp32 safetensors) and its model card into {@code dir}, each file atomically. */
  public static void write(Path dir, Result r, Settings s, long seed, String command) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    r.weights().forEach((k, v) -> t.put(k, Tensors.fromFloats(v, KindNet.LAYOUT.get(k))));
    try { java.nio.file.Files.createDirectories(dir); } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }
    SafeTensorsWriter.write(dir.resolve(Path.of(KindNet.FILE).getFileName()), t,
        Map.of("format", "pt", "what", "dualproc objects verifier kind network", "seed", Long.toString(seed)));
    AtomicFiles.writeString(dir.resolve("MODEL_CARD.md"), card(r, s, seed, command));
  }

  public static String card(Result r, Settings s, long seed, String command) {
    StringBuilder b = new StringBuilder();
    b.append("# dualproc objects verifier: kind network\n\n");
    b.append("Names the kind of each coloured region the objects verifier finds (or none), from a ").append(KindCrop.SIDE).append("x")
        .append(KindCrop.SIDE).append(" crop of RGB and the region's mask, ").append("3x the region's larger side. Written by `dualproc world train verifier`; run in plain Java by `eval/KindNet`.\n\n");
    b.append("## Data\nRendered scenes only (`world/SceneRenderer`, 64 px or 128 px), never generated images: ").append(s.scenes())
        .append(" training scenes from seed ").append(SEEDS).append(", every other one degraded by a random mix of Gaussian blur (0.25-1 px at 64), ")
        .append("bilinear down-and-up rescaling (0.5-0.9), Gaussian noise (up to 8 levels) and a colour shift (up to 12 levels per channel); ")
        .append(r.trainSamples()).append(" crops. Labels from the renderer's truth: the kind of the drawn object a region belongs to, or none.\n\n");
    b.append(String.format(Locale.ROOT, "## Training\nseed %d; %d epochs, batch %d, AdamW lr %.1e (cosine, 50-step warm-up), weight decay %.0e; cross-entropy; %.0f s on this machine.%n%n",
        seed, s.epochs(), s.batch(), s.lr(), s.weightDecay(), r.seconds()));
    b.append("## Validation (").append(s.validationScenes()).append(" held-out scenes from seed ").append(VALIDATION_SEEDS).append(")\n\n");
    b.append("| crops | ");
    for (Kind k : Kind.values()) b.append(k.singular).append(" | ");
    b.append("none | all |\n|---|");
    for (int c = 0; c <= KindNet.CLASSES; c++) b.append("---|");
    b.append('\n');
    row(b, "clean", r.validationClean());
    row(b, "degraded", r.validationDegraded());
    b.append("\nThe verifiers' figures with this network: `./dualproc world accuracy` (docs/world.md).\n\n## Reproduce\n```\n").append(command).append("\n```\n");
    return b.toString();
  }

  private static void row(StringBuilder b, String name, double[] a) {
    b.append("| ").append(name).append(" | ");
    for (double v : a) b.append(String.format(Locale.ROOT, "%.1f%%", 100 * v)).append(" | ");
    b.append('\n');
  }
}
