package dev.dualproc.world.train;

import dev.dualproc.distill.Generator;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.eval.ObjectsVerifier;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Does the generator use the kind word (`world eval generator --kind-swap N`)? For each of N noise seeds, the caption
 * "a COLOUR KIND on grass during the day" is generated once per kind with the same noise and colour (seeds 2m and 2m + 1
 * share a colour, which cycles over the pairs). Two figures: per kind, how often the objects verifier finds exactly that object; and how much the
 * image changes when only the kind word changes, as a share of how much it changes between seeds with the same caption
 * (0: the kind word is ignored). With {@code images}, a grid PNG, one row per seed and one column per kind. For a
 * pipeline with {@link KindChannels}, a third: how often the generated latent's kind channels hold most mass in the
 * captioned kind's channel, and that channel's share of their (positive) mass (chance: 1/6 each).
 */
public final class KindSwapEval {
  private KindSwapEval() {}

  public record Report(int seeds, Map<Kind, Double> found, double kindChange, double seedChange, double kindChannelsRight, double kindChannelsShare) {
    public String table() {
      StringBuilder b = new StringBuilder("| kind swapped at the same noise (\"a COLOUR KIND on grass during the day\") |");
      for (Kind k : Kind.values()) b.append(' ').append(k.singular).append(" |");
      b.append("\n|---|").append("---|".repeat(Kind.values().length)).append("\n| the named object found (objects verifier) |");
      for (Kind k : Kind.values()) b.append(String.format(Locale.ROOT, " %.1f%% |", 100 * found.get(k)));
      b.append(String.format(Locale.ROOT, "%n(%d seeds) mean |pixel change| when only the kind word changes: %.4f; between seeds with the same caption: %.4f;"
          + " ratio %.2f (0: the kind word is ignored)%n", seeds, kindChange, seedChange, kindChange / seedChange));
      if (!Double.isNaN(kindChannelsRight))
        b.append(String.format(Locale.ROOT, "kind channels of the generated latents: the captioned kind holds the most mass in %.1f%%, its share of the mass %.3f (chance: %.1f%%, %.3f)%n",
            100 * kindChannelsRight, kindChannelsShare, 100.0 / KindChannels.COUNT, 1.0 / KindChannels.COUNT));
      return b.toString();
    }
  }

  public static Report run(Generator g, long firstSeed, int seeds, Path images) {
    if (seeds < 2) throw new DualprocException("--kind-swap: expected at least 2 seeds, got " + seeds);
    Kind[] kinds = Kind.values();
    int w = g.width(), h = g.height();
    float[][][] px = new float[seeds][kinds.length][];
    int[] found = new int[kinds.length];
    BufferedImage grid = images == null ? null : new BufferedImage(kinds.length * w, seeds * h, BufferedImage.TYPE_INT_RGB);
    dev.dualproc.model.flux.FluxPipeline kindPipeline = g instanceof dev.dualproc.model.flux.FluxPipeline fp && fp.guidanceScale() == 1
        && KindChannels.of(Path.of(fp.identity())) > 0 ? fp : null;
    int right = 0;
    double own = 0, mass = 0;
    for (int s = 0; s < seeds; s++) {
      long seed = firstSeed + s;
      NamedColour colour = NamedColour.OBJECT.get((s / 2) % NamedColour.OBJECT.size());
      for (int k = 0; k < kinds.length; k++) {
        String caption = "a " + colour.word + " " + kinds[k].singular + " on grass during the day";
        dev.dualproc.distill.Conditioning c = g.encode(caption);
        BufferedImage img;
        if (kindPipeline == null) img = Images.toImage(StepScope.compute(() -> g.generate(c, seed)));
        else { // the same image as generate, from the latent whose kind channels are read first
          float[][] kindMass = new float[1][];
          img = Images.toImage(StepScope.compute(() -> {
            try (org.bytedeco.pytorch.NoGradGuard ng = new org.bytedeco.pytorch.NoGradGuard()) {
              org.bytedeco.pytorch.Tensor latent = kindPipeline.sampler().sample(kindPipeline.noise(seed), dev.dualproc.model.flux.FluxCond.from(c));
              long z = latent.size(1);
              kindMass[0] = dev.dualproc.engine.Tensors.floats(latent.narrow(1, z - KindChannels.COUNT, KindChannels.COUNT)
                  .clamp_min(dev.dualproc.engine.Tensors.scalar(0)).sum(new long[] {2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
              return kindPipeline.decode(latent).clamp(new org.bytedeco.pytorch.ScalarOptional(dev.dualproc.engine.Tensors.scalar(-1)),
                  new org.bytedeco.pytorch.ScalarOptional(dev.dualproc.engine.Tensors.scalar(1)));
            }
          }));
          int best = 0;
          for (int j = 0; j < kindMass[0].length; j++) {
            mass += kindMass[0][j];
            if (kindMass[0][j] > kindMass[0][best]) best = j;
          }
          own += kindMass[0][k];
          if (best == k) right++;
        }
        if (ObjectsVerifier.forCaption(caption).judge(SceneAnalysis.of(img)).pass()) found[k]++;
        px[s][k] = pixels(img);
        if (grid != null) grid.getGraphics().drawImage(img, k * w, s * h, null);
      }
    }
    double kindChange = 0, seedChange = 0;
    int kindPairs = 0, seedPairs = 0;
    for (int s = 0; s < seeds; s++)
      for (int k = 0; k < kinds.length; k++) {
        for (int j = k + 1; j < kinds.length; j++) { kindChange += meanAbs(px[s][k], px[s][j]); kindPairs++; }
        if (s % 2 == 0 && s + 1 < seeds) { seedChange += meanAbs(px[s][k], px[s + 1][k]); seedPairs++; } // the same caption, other noise
      }
    if (grid != null) Images.writePng(images.resolve("kind-swap.png"), grid, Map.of("rows", "seeds " + firstSeed + "..", "columns", String.join(",", java.util.Arrays.stream(kinds).map(k -> k.singular).toList())));
    Map<Kind, Double> rates = new java.util.EnumMap<>(Kind.class);
    for (int k = 0; k < kinds.length; k++) rates.put(kinds[k], found[k] / (double) seeds);
    return new Report(seeds, rates, kindChange / kindPairs, seedChange / seedPairs,
        kindPipeline == null ? Double.NaN : right / (double) (seeds * kinds.length), kindPipeline == null ? Double.NaN : own / mass);
  }

  private static float[] pixels(BufferedImage img) {
    int[] rgb = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    float[] out = new float[rgb.length * 3];
    for (int i = 0; i < rgb.length; i++)
      for (int c = 0; c < 3; c++) out[3 * i + c] = ((rgb[i] >> (16 - 8 * c)) & 0xFF) / 255f;
    return out;
  }

  private static double meanAbs(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
    return s / a.length;
  }
}
