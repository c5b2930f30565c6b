package dev.dualproc.world.train;

import dev.dualproc.distill.Generator;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.ObjectsVerifier;
import dev.dualproc.eval.PaletteVerifier;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.StrokeVerifier;
import dev.dualproc.eval.Verdict;
import dev.dualproc.world.Canvas;
import dev.dualproc.world.Captions;
import dev.dualproc.world.LayoutCode;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.SceneTruth;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The generator's held-out figures (issue 6, must-show 2): captions of held-out scenes are generated from, and the
 * verifiers judge each image: are the captioned objects there in their colours (exactly, as the objects verifier
 * demands, and at least once each), is it a valid scene; and do horizon, stroke weight and palette vary across seeds.
 * The rendered scenes of the same captions are judged too, as the ceiling.
 */
public final class GeneratorEval {
  private GeneratorEval() {}

  public record Report(int count, double objects, double objectsPresent, double valid, double objectsAndValid,
      double renderedObjects, double renderedValid, double roundTripObjects, double roundTripValid, double horizonMean, double horizonStd, double horizonP10,
      double horizonP90, Map<Integer, Integer> drawingStrokeWeights, double drawingWithStroke, double photoWithStroke,
      double distinctPalettes, double seconds, Map<String, int[]> byKind, int tokenPx, double midTokenHorizons, double renderedMidTokenHorizons,
      Map<String, Integer> invalidReasons, double codeHorizonCorrelation, double codeHorizonWithin2, CodePlaces codePlaces) {

    public String table() {
      StringBuilder b = new StringBuilder();
      b.append("| held-out captions | ").append(count).append(" |\n|---|---|\n");
      row(b, "captioned objects found with their colours (objects verifier, exact counts)", pct(objects) + " (rendered scenes: " + pct(renderedObjects) + ")");
      if (!Double.isNaN(roundTripObjects))
        row(b, "the same on the autoencoder's round trip of the rendered scene (the latent's ceiling)", pct(roundTripObjects) + " (valid: " + pct(roundTripValid) + ")");
      row(b, "every captioned kind+colour present at least once", pct(objectsPresent));
      if (byKind != null && !byKind.isEmpty()) {
        StringBuilder k = new StringBuilder();
        byKind.forEach((kind, n) -> k.append(k.isEmpty() ? "" : ", ").append(kind).append(' ').append(pct(n[1] / (double) n[0])).append(" of ").append(n[0]));
        row(b, "a captioned kind+colour present, by kind (of the captions naming it)", k.toString());
      }
      row(b, "valid scenes", pct(valid) + " (rendered scenes: " + pct(renderedValid) + ")");
      if (invalidReasons != null && !invalidReasons.isEmpty()) row(b, "invalid scenes by the validity check's reason", invalidReasons.toString());
      row(b, "objects found and valid", pct(objectsAndValid));
      row(b, "horizon (fraction of height) over valid images", Double.isNaN(horizonP10) ? "no valid image"
          : String.format(Locale.ROOT, "mean %.3f, std %.3f, 10-90%% %.3f-%.3f", horizonMean, horizonStd, horizonP10, horizonP90));
      if (tokenPx > 0)
        row(b, String.format(Locale.ROOT, "valid horizons inside a %d-px token row (%d of its %d rows; uniform %.1f%%)", tokenPx, midRows(tokenPx), tokenPx,
            100.0 * midRows(tokenPx) / tokenPx), pct(midTokenHorizons) + " (rendered scenes: " + pct(renderedMidTokenHorizons) + ")");
      if (!Double.isNaN(codeHorizonCorrelation))
        row(b, "valid horizons against the horizon the noise's layout code names (`--layout-from-noise`)", String.format(Locale.ROOT,
            "correlation %.3f, within 2 px %s", codeHorizonCorrelation, pct(codeHorizonWithin2)));
      if (codePlaces != null && codePlaces.objects() > 0)
        row(b, "objects of the scene the noise's code names, found at its place (within " + CodePlaces.PX + " px): colour / kind+colour", String.format(Locale.ROOT,
            "%s / %s of %d objects in %d images whose coded scene has their caption (that scene itself: %s / %s); their pixels painted in their colour: %s",
            pct(codePlaces.colour()), pct(codePlaces.kindAndColour()), codePlaces.objects(), codePlaces.images(), pct(codePlaces.renderedColour()),
            pct(codePlaces.renderedKindAndColour()), pct(codePlaces.colourCover())));
      row(b, "stroke weights measured on drawing captions", drawingStrokeWeights + " (with a stroke: " + pct(drawingWithStroke)
          + "; photo captions with a stroke: " + pct(photoWithStroke) + ")");
      row(b, "distinct 3-colour palettes / images", pct(distinctPalettes));
      row(b, "seconds", String.format(Locale.ROOT, "%.1f", seconds));
      return b.toString();
    }

    /** The rows of a token at least 3/8 of its height from both of its edges. */
    static int midRows(int tokenPx) {
      int n = 0;
      for (int o = 0; o < tokenPx; o++) if (midToken(o, tokenPx)) n++;
      return n;
    }

    static boolean midToken(double row, int tokenPx) {
      int o = Math.floorMod((int) Math.floor(row), tokenPx);
      return Math.min(o, tokenPx - o) * 8 >= 3 * tokenPx;
    }

    private static void row(StringBuilder b, String k, String v) { b.append("| ").append(k).append(" | ").append(v).append(" |\n"); }
    private static String pct(double v) { return String.format(Locale.ROOT, "%.1f%%", 100 * v); }
  }

  /** Generates from the captions of scenes {@code firstSeed} .. +count-1 (noise seed = scene seed); {@code images}: where to write the generated PNGs (and SEED-rendered.png, SEED-roundtrip.png beside them), or null. */
  public static Report run(Generator g, long firstSeed, int count, Path images) { return run(g, firstSeed, count, images, false, false); }

  /**
   * As {@link #run(Generator, long, int, Path)}; with {@code codedScenes}, each held-out scene is the one the noise's
   * layout code names (the seed rendered with {@link SceneRenderer.Options#coded}), the pairing that
   * {@code --layout-from-noise} trains on, so caption and code agree; {@code localObjectCodes}: the codes place objects on
   * their best-scoring noise tokens, as {@code --local-object-codes} trains.
   */
  public static Report run(Generator g, long firstSeed, int count, Path images, boolean codedScenes, boolean localObjectCodes) {
    if (count < 1) throw new IllegalArgumentException("count must be at least 1, got " + count);
    dev.dualproc.model.flux.FluxPipeline codedPipeline = coded(g);
    if (localObjectCodes && codedPipeline != null && codedPipeline.ae.params.zChannels() * 4 < LayoutCode.TokenPlaces.FEATURES)
      throw new dev.dualproc.engine.DualprocException("--local-object-codes: " + g.identity() + "'s latent packs too few features for local object codes");
    if (codedScenes && codedPipeline == null) throw new dev.dualproc.engine.DualprocException("--coded-scenes: " + g.identity() + "'s noise carries no layout code (a FLUX latent of at least " + LayoutCode.SLOTS + " packed features)");
    long t0 = System.nanoTime();
    dev.dualproc.model.flux.AutoEncoder ae = g instanceof dev.dualproc.model.flux.FluxPipeline fp ? fp.ae : null;
    int tokenPx = ae == null ? 0 : 2 * ae.params.downFactor(); // FLUX packs 2x2 latent cells into a token
    int mid = 0, renderedMid = 0;
    int objects = 0, present = 0, valid = 0, both = 0, rObjects = 0, rValid = 0, tObjects = 0, tValid = 0, drawings = 0, drawingsStroke = 0, photos = 0, photosStroke = 0;
    List<Double> horizons = new ArrayList<>();
    Map<Integer, Integer> strokes = new TreeMap<>();
    Set<List<Integer>> palettes = new HashSet<>();
    Map<String, int[]> byKind = new TreeMap<>();
    Map<String, Integer> invalidReasons = new TreeMap<>();
    List<double[]> codeHorizons = new ArrayList<>(); // (the code's row, the generated row) of valid images
    int[] places = new int[6]; // images, objects, at place by colour, by kind+colour; the coded scene's own two
    long[] cover = new long[2]; // the coded objects' own pixels, and those of them the generated image paints in that colour
    for (int i = 0; i < count; i++) {
      long seed = firstSeed + i;
      LayoutCode code = codedPipeline == null ? null : layoutCode(codedPipeline, seed, localObjectCodes);
      SceneRenderer.Rendered scene = codedScenes ? SceneRenderer.render(seed, g.width(), g.height(), SceneRenderer.Options.coded(code))
          : SceneRenderer.render(seed, g.width(), g.height());
      SceneTruth truth = scene.truth();
      String caption = Captions.caption(truth);
      dev.dualproc.distill.Conditioning c = g.encode(caption); // outside the step scope: generators cache it
      BufferedImage img = Images.toImage(StepScope.compute(() -> g.generate(c, seed)));
      if (images != null) Images.writePng(images.resolve(String.format(Locale.ROOT, "%06d.png", seed)), img, Map.of("caption", caption, "seed", Long.toString(seed)));
      SceneAnalysis a = SceneAnalysis.of(img);
      ObjectsVerifier verifier = ObjectsVerifier.forCaption(caption);
      Verdict v = verifier.judge(a);
      if (v.pass()) objects++;
      if (allPresent(v)) present++;
      countByKind(v, byKind);
      if (v.validScene()) {
        valid++;
        horizons.add(a.horizonFraction());
        if (tokenPx > 0 && Report.midToken(a.horizonRow(), tokenPx)) mid++;
        if (code != null) codeHorizons.add(new double[] {horizonRow(code, g.height()), a.horizonRow()});
      } else invalidReasons.merge(a.validity.reason(), 1, Integer::sum);
      if (v.passAndValid()) both++;
      if (code != null) {
        // the scene the noise names has the same caption in most cases (the code moves places, the stream picks kinds)
        SceneRenderer.Rendered named = codedScenes ? scene : SceneRenderer.render(seed, g.width(), g.height(), SceneRenderer.Options.coded(code));
        if (Captions.caption(named.truth()).equals(caption)) {
          List<dev.dualproc.world.SceneObject> want = named.truth().objects();
          SceneAnalysis own = SceneAnalysis.of(named.image());
          places[0]++;
          places[1] += want.size();
          places[2] += CodePlaces.found(want, a.objects, false);
          places[3] += CodePlaces.found(want, a.objects, true);
          places[4] += CodePlaces.found(want, own.objects, false);
          places[5] += CodePlaces.found(want, own.objects, true);
          for (var o : want) CodePlaces.cover(o, named.image(), img, cover);
        }
      }
      SceneAnalysis rendered = SceneAnalysis.of(scene.image());
      Verdict r = verifier.judge(rendered);
      if (r.pass()) rObjects++;
      if (r.validScene()) {
        rValid++;
        if (tokenPx > 0 && Report.midToken(rendered.horizonRow(), tokenPx)) renderedMid++;
      }
      if (images != null) Images.writePng(images.resolve(String.format(Locale.ROOT, "%06d-rendered.png", seed)), scene.image(), Map.of("caption", caption, "seed", Long.toString(seed)));
      if (ae != null) {
        BufferedImage trip = roundTrip(ae, scene.image());
        if (images != null) Images.writePng(images.resolve(String.format(Locale.ROOT, "%06d-roundtrip.png", seed)), trip, Map.of("caption", caption, "seed", Long.toString(seed)));
        Verdict t = verifier.judge(trip);
        if (t.pass()) tObjects++;
        if (t.validScene()) tValid++;
      }
      int stroke = StrokeVerifier.measure(a);
      if (truth.drawing()) { drawings++; strokes.merge(stroke, 1, Integer::sum); if (stroke > 0) drawingsStroke++; }
      else { photos++; if (stroke > 0) photosStroke++; }
      palettes.add(PaletteVerifier.dominant(Canvas.pixels(img), 3).stream().sorted().toList());
    }
    double[] h = horizons.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double mean = 0, var = 0;
    for (double x : h) mean += x / Math.max(1, h.length);
    for (double x : h) var += (x - mean) * (x - mean) / Math.max(1, h.length);
    return new Report(count, objects / (double) count, present / (double) count, valid / (double) count, both / (double) count,
        rObjects / (double) count, rValid / (double) count, ae == null ? Double.NaN : tObjects / (double) count,
        ae == null ? Double.NaN : tValid / (double) count, mean, Math.sqrt(var), quantile(h, 0.1), quantile(h, 0.9), strokes,
        drawings == 0 ? 0 : drawingsStroke / (double) drawings, photos == 0 ? 0 : photosStroke / (double) photos,
        palettes.size() / (double) count, (System.nanoTime() - t0) / 1e9, byKind, tokenPx,
        mid / (double) Math.max(1, valid), renderedMid / (double) Math.max(1, rValid), invalidReasons,
        correlation(codeHorizons), codeHorizons.stream().filter(r -> Math.abs(r[0] - r[1]) <= 2).count() / (double) Math.max(1, codeHorizons.size()),
        CodePlaces.of(places, cover));
  }

  /** The pipeline when its noise can carry a layout code (a FLUX latent of at least 13 packed features), else null. */
  private static dev.dualproc.model.flux.FluxPipeline coded(Generator g) {
    return g instanceof dev.dualproc.model.flux.FluxPipeline fp && fp.ae.params.zChannels() * 4 >= LayoutCode.SLOTS ? fp : null;
  }

  /** The layout code of seed's noise, the very noise the pipeline samples from. */
  static LayoutCode layoutCode(dev.dualproc.model.flux.FluxPipeline fp, long seed, boolean local) {
    org.bytedeco.pytorch.Tensor noise = StepScope.compute(() -> fp.noise(seed));
    return LayoutCode.fromNoise(Tensors.floats(noise), (int) noise.size(1), (int) noise.size(2), (int) noise.size(3), local);
  }

  /**
   * How many of the coded scene's objects the generated image has at their place: in the images whose coded scene
   * (the scene of the same seed rendered with the noise's layout code) has the eval's caption, the objects found by
   * colour (and kind) with centre column and base row within {@link #PX} px of the coded scene's object.
   */
  public record CodePlaces(int images, int objects, double colour, double kindAndColour, double renderedColour, double renderedKindAndColour, double colourCover) {
    static final int PX = 4;
    /** A pixel shows an object's colour within this RGB distance (the renderer keeps object parts 55 from their background). */
    static final double COLOUR_MARGIN = 50;

    static CodePlaces of(int[] n, long[] cover) {
      double d = Math.max(1, n[1]);
      return new CodePlaces(n[0], n[1], n[2] / d, n[3] / d, n[4] / d, n[5] / d, cover[0] == 0 ? Double.NaN : cover[1] / (double) cover[0]);
    }

    /** Adds the object's pixels in the coded scene (its box, in its colour) to cover[0], and those the generated image paints in its colour too to cover[1]. */
    static void cover(dev.dualproc.world.SceneObject o, BufferedImage coded, BufferedImage generated, long[] cover) {
      int rgb = o.colour().rgb;
      for (int y = Math.max(0, o.y0()); y < Math.min(coded.getHeight(), o.y1()); y++)
        for (int x = Math.max(0, o.x0()); x < Math.min(coded.getWidth(), o.x1()); x++) {
          if (dev.dualproc.world.Rgb.dist(coded.getRGB(x, y) & 0xFFFFFF, rgb) > COLOUR_MARGIN) continue;
          cover[0]++;
          if (dev.dualproc.world.Rgb.dist(generated.getRGB(x, y) & 0xFFFFFF, rgb) <= COLOUR_MARGIN) cover[1]++;
        }
    }

    /** The wanted objects with a found object of their colour (and kind) within PX px of their centre column and base row; each found object matches once. */
    static int found(List<dev.dualproc.world.SceneObject> want, List<dev.dualproc.eval.DetectedObject> found, boolean kind) {
      boolean[] used = new boolean[found.size()];
      int n = 0;
      for (var w : want) {
        for (int i = 0; i < found.size(); i++) {
          var f = found.get(i);
          if (used[i] || f.colour() != w.colour() || (kind && f.kind() != w.kind())) continue;
          if (Math.abs((f.x0() + f.x1()) / 2.0 - w.centreX()) <= PX && Math.abs(f.baseRow() - w.baseRow()) <= PX) { used[i] = true; n++; break; }
        }
      }
      return n;
    }
  }

  /** The horizon row that the layout code of seed's noise names, as the renderer places it. */
  static double codeHorizonRow(dev.dualproc.model.flux.FluxPipeline fp, long seed) { return horizonRow(layoutCode(fp, seed, false), fp.height()); }

  /** The horizon row a code names in a frame of that height (its global slot, the same for local object codes). */
  static double horizonRow(LayoutCode code, int height) { return height * (0.2 + 0.6 * code.at(LayoutCode.HORIZON)); }

  /** Pearson correlation of the pairs' two values (NaN below 3 pairs). */
  static double correlation(List<double[]> pairs) {
    int n = pairs.size();
    if (n < 3) return Double.NaN;
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (double[] p : pairs) { mx += p[0] / n; my += p[1] / n; }
    for (double[] p : pairs) { sxy += (p[0] - mx) * (p[1] - my); sxx += (p[0] - mx) * (p[0] - mx); syy += (p[1] - my) * (p[1] - my); }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  /** Mean |image - decode(encode(image))| over held-out scenes, pixels in [-1, 1]: the autoencoder's part of any blur. */
  public static double reconstructionL1(dev.dualproc.model.flux.AutoEncoder ae, long firstSeed, int count, int size) {
    double sum = 0;
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      for (int from = 0; from < count; from += 16) {
        int n = Math.min(16, count - from);
        long first = firstSeed + from;
        sum += n * StepScope.value(() -> {
          org.bytedeco.pytorch.TensorVector parts = new org.bytedeco.pytorch.TensorVector();
          for (int i = 0; i < n; i++) parts.push_back(Images.toTensor(SceneRenderer.render(first + i, size, size).image()));
          org.bytedeco.pytorch.Tensor x = org.bytedeco.pytorch.global.torch.cat(parts, 0);
          return ae.decode(ae.encode(x)).sub(x).abs().mean();
        });
      }
    }
    return sum / count;
  }

  /** decode(encode(image)): what the latent keeps of a scene, whatever the transformer learns. */
  private static BufferedImage roundTrip(dev.dualproc.model.flux.AutoEncoder ae, BufferedImage image) {
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      return Images.toImage(StepScope.compute(() -> ae.decode(ae.encode(Images.toTensor(image)))));
    }
  }

  private static boolean allPresent(Verdict v) {
    Object e = v.measured().get("expected"), f = v.measured().get("found");
    if (!(e instanceof Map<?, ?> expected) || !(f instanceof Map<?, ?> found) || expected.isEmpty()) return false;
    return found.keySet().containsAll(expected.keySet());
  }

  /** Per kind: captions naming a kind+colour of that kind, and those where the image has it at least once. */
  private static void countByKind(Verdict v, Map<String, int[]> byKind) {
    if (!(v.measured().get("expected") instanceof Map<?, ?> expected) || !(v.measured().get("found") instanceof Map<?, ?> found)) return;
    for (Object key : expected.keySet()) {
      String name = key.toString(), kind = name.substring(name.lastIndexOf(' ') + 1);
      int[] n = byKind.computeIfAbsent(kind, x -> new int[2]);
      n[0]++;
      if (found.containsKey(key)) n[1]++;
    }
  }

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
}
