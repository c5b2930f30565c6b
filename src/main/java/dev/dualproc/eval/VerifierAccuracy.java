package dev.dualproc.eval;

import dev.dualproc.world.CaptionSpec;
import dev.dualproc.world.Captions;
import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.SceneTruth;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Accuracy of every verifier on held-out rendered images (seeds from 11,000,000 on, never looked at in development): each
 * is asked about the truth (it must pass) and about a wrong target (it must fail); validity on rendered images (must be
 * valid) and on scrambled ones (must not). Also times rendering and analysis.
 * Run: ./dualproc world accuracy [--count N --first-seed S --size PX] (or this class's main: [count] [first-seed] [size]).
 */
public final class VerifierAccuracy {
  /**
   * Seeds 1,000,000.. and 9,000,000.. (the first held-out range, whose failures were then fixed) were looked at while
   * the verifiers were developed; 11,000,000.. were not.
   */
  public static final long DEVELOPMENT_SEED = 1_000_000L, HELD_OUT_SEED = 11_000_000L;

  private VerifierAccuracy() {}

  /** Decisions of one verifier: right on the true target (positives), right on the wrong one (negatives). */
  public static final class Score {
    public final String name;
    public int posRight, posTotal, negRight, negTotal;

    Score(String name) { this.name = name; }

    void pos(boolean right) { posTotal++; if (right) posRight++; }
    void neg(boolean right) { negTotal++; if (right) negRight++; }

    public double accuracy() { return (posRight + negRight) / (double) Math.max(1, posTotal + negTotal); }
    public double positiveRate() { return posRight / (double) Math.max(1, posTotal); }
    public double negativeRate() { return negRight / (double) Math.max(1, negTotal); }
  }

  public record Report(int images, int size, long firstSeed, Map<String, Score> scores, double renderMs, double analyseMs,
                       List<String> failures) {}

  public static Report run(long firstSeed, int n, int size) {
    Map<String, Score> s = new LinkedHashMap<>();
    for (String k : List.of("horizon", "horizon hack: band at the target", "objects", "palette", "line-weight", "depth", "validity (rendered)")) s.put(k, new Score(k));
    for (Scrambles.Family f : Scrambles.Family.values()) s.put(f.label, new Score("validity vs " + f.label));
    s.put("noisy", new Score("robustness: validity on rendered + noise sigma 6"));
    s.put("blurred", new Score("robustness: validity on rendered, box blur 3x3 at 64 px (scaled)"));
    s.put("soft", new Score("robustness: validity on rendered, Gaussian blur sigma 0.5 px at 64 (scaled)"));
    s.put("soft objects", new Score("robustness: objects on rendered, Gaussian blur sigma 0.5 px at 64 (scaled)"));
    s.put("blobbed objects", new Score("objects: caption fails when its trees, houses, people and cars are painted as blobs of their colour"));
    s.put("soft horizon", new Score("robustness: horizon on rendered, Gaussian blur sigma 0.5 px at 64 (scaled)"));
    List<String> failures = new ArrayList<>();
    long renderNs = 0, analyseNs = 0;
    for (int i = 0; i < n; i++) {
      long seed = firstSeed + i;
      long t0 = System.nanoTime();
      SceneRenderer.Rendered r = SceneRenderer.render(seed, size, size);
      long t1 = System.nanoTime();
      SceneAnalysis a = SceneAnalysis.of(r.image());
      long t2 = System.nanoTime();
      renderNs += t1 - t0;
      analyseNs += t2 - t1;
      SceneTruth t = r.truth();
      SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
      String caption = Captions.caption(t);

      Verdict hp = new HorizonVerifier(t.horizonFraction()).judge(a);
      s.get("horizon").pos(hp.pass());
      if (!hp.pass()) failures.add(seed + " horizon truth " + round(t.horizonRow()) + " measured " + hp.measured().get("horizonRow"));
      double wrong = wrongHorizon(t.horizonFraction(), rng);
      s.get("horizon").neg(!new HorizonVerifier(wrong).judge(a).pass());
      // the prototype's reward hack: a band painted at the target row; the control must not pass on it
      BufferedImage hack = Scrambles.bandAt(r.image(), wrong * t.height(), Math.max(1, (int) Math.round((1 + rng.nextInt(3)) * size / 64.0)),
          rng.nextBoolean() ? 0xFF0000 : rng.nextInt(1 << 24));
      s.get("horizon hack: band at the target").neg(!new HorizonVerifier(wrong).judge(hack).passAndValid());

      Verdict op = new ObjectsVerifier(Captions.parse(caption)).judge(a);
      s.get("objects").pos(op.pass());
      if (!op.pass()) failures.add(seed + " objects '" + caption + "' found " + op.measured().get("objects"));
      s.get("objects").neg(!new ObjectsVerifier(mutate(Captions.parse(caption), rng)).judge(a).pass());
      if (t.objects().stream().anyMatch(o -> Scrambles.blobbable(o.kind()))) {
        boolean fooled = new ObjectsVerifier(Captions.parse(caption)).judge(Scrambles.blobbed(r.image(), t)).pass();
        s.get("blobbed objects").neg(!fooled);
        if (fooled) failures.add(seed + " blobbed objects still pass '" + caption + "'");
      }

      if (t.hasPalette()) {
        List<Integer> truth = t.palette().stream().map(c -> c.rgb).toList();
        Verdict pp = new PaletteVerifier(truth).judge(a);
        s.get("palette").pos(pp.pass());
        if (!pp.pass()) failures.add(seed + " palette " + pp.measured().get("paletteCoverage") + " " + pp.measured().get("paletteShares"));
        s.get("palette").neg(!new PaletteVerifier(swapOne(t.palette(), rng)).judge(a).pass());
      } else {
        s.get("palette").neg(!new PaletteVerifier(randomPalette(rng)).judge(a).pass());
      }

      if (t.drawing()) {
        Verdict sp = new StrokeVerifier(t.strokeWeight()).judge(a);
        s.get("line-weight").pos(sp.pass());
        if (!sp.pass()) failures.add(seed + " stroke truth " + t.strokeWeight() + " measured " + sp.measured().get("strokeWeight"));
        int other = otherWeight(t.strokeWeight(), size, rng);
        s.get("line-weight").neg(!new StrokeVerifier(other).judge(a).pass());
      } else {
        s.get("line-weight").neg(!new StrokeVerifier(weightAt(1 + rng.nextInt(4), size)).judge(a).pass());
      }

      double[] pts = t.depthPair(rng);
      if (pts != null) {
        String truthCloser = t.depthAt(pts[0], pts[1]) < t.depthAt(pts[2], pts[3]) ? "A" : "B";
        Verdict dp = new DepthVerifier(pts[0], pts[1], pts[2], pts[3], truthCloser).judge(a);
        s.get("depth").pos(dp.pass());
        if (!dp.pass()) failures.add(seed + " depth " + java.util.Arrays.toString(pts) + " " + dp.measured());
        String wrongCloser = truthCloser.equals("A") ? "B" : "A";
        s.get("depth").neg(!new DepthVerifier(pts[0], pts[1], pts[2], pts[3], wrongCloser).judge(a).pass());
      }

      s.get("validity (rendered)").pos(a.validity.valid());
      if (!a.validity.valid()) failures.add(seed + " invalid: " + a.validity);
      s.get("noisy").pos(SceneAnalysis.of(Scrambles.gaussianNoise(r.image(), 6, new SplittableRandom(seed))).validity.valid());
      SceneAnalysis soft = SceneAnalysis.of(Scrambles.gaussianBlur(r.image(), 0.5 * size / 64.0));
      s.get("soft").pos(soft.validity.valid());
      s.get("soft objects").pos(new ObjectsVerifier(Captions.parse(caption)).judge(soft).pass());
      s.get("soft horizon").pos(new HorizonVerifier(t.horizonFraction()).judge(soft).pass());
      s.get("blurred").pos(SceneAnalysis.of(Scrambles.boxBlur(r.image(), Math.max(1, (int) Math.round(size / 64.0)))).validity.valid());
      for (Scrambles.Family f : Scrambles.Family.values()) {
        BufferedImage bad = Scrambles.apply(f, r.image(), new SplittableRandom(seed * 131 + f.ordinal()));
        Validity v = SceneAnalysis.of(bad).validity;
        s.get(f.label).neg(!v.valid());
        if (v.valid()) failures.add(seed + " " + f + " judged valid: " + v);
      }
    }
    return new Report(n, size, firstSeed, s, renderNs / 1e6 / n, analyseNs / 1e6 / n, failures);
  }

  static int weightAt(int weight64, int size) { return Math.max(1, (int) Math.round(weight64 * size / 64.0)); }

  private static int otherWeight(int truth, int size, SplittableRandom rng) {
    int w;
    do w = weightAt(1 + rng.nextInt(4), size); while (w == truth);
    return w;
  }

  private static double wrongHorizon(double truth, SplittableRandom rng) {
    double off = 0.12 + 0.28 * rng.nextDouble();
    double v = truth + (rng.nextBoolean() ? off : -off);
    if (v < 0.1 || v > 0.9) v = truth + (truth + off <= 0.9 ? off : -off);
    return Math.max(0.05, Math.min(0.95, v));
  }

  /** A caption that differs from the truth in one thing: a colour, a kind, or a count. */
  static CaptionSpec mutate(CaptionSpec spec, SplittableRandom rng) {
    List<CaptionSpec.Group> groups = new ArrayList<>(spec.groups());
    int i = rng.nextInt(groups.size());
    CaptionSpec.Group g = groups.get(i);
    switch (rng.nextInt(3)) {
      case 0 -> {
        NamedColour c;
        do c = NamedColour.OBJECT.get(rng.nextInt(NamedColour.OBJECT.size())); while (c == g.colour());
        groups.set(i, new CaptionSpec.Group(g.kind(), c, g.count()));
      }
      case 1 -> {
        Kind k;
        do k = Kind.values()[rng.nextInt(Kind.values().length)]; while (k == g.kind());
        groups.set(i, new CaptionSpec.Group(k, g.colour(), g.count()));
      }
      default -> groups.set(i, new CaptionSpec.Group(g.kind(), g.colour(), g.count() == 1 ? 2 : g.count() - 1));
    }
    return new CaptionSpec(spec.style(), groups, spec.ground(), spec.timeOfDay(), List.of());
  }

  private static List<Integer> swapOne(List<NamedColour> palette, SplittableRandom rng) {
    List<Integer> out = new ArrayList<>(palette.stream().map(c -> c.rgb).toList());
    NamedColour c;
    do c = NamedColour.values()[rng.nextInt(NamedColour.values().length)]; while (palette.contains(c));
    out.set(rng.nextInt(out.size()), c.rgb);
    return out;
  }

  private static List<Integer> randomPalette(SplittableRandom rng) {
    List<NamedColour> all = new ArrayList<>(List.of(NamedColour.values()));
    List<Integer> out = new ArrayList<>();
    int k = 3 + rng.nextInt(3);
    for (int i = 0; i < k; i++) out.add(all.remove(rng.nextInt(all.size())).rgb);
    return out;
  }

  private static String round(double v) { return String.format(Locale.ROOT, "%.2f", v); }

  public static String table(Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%d held-out images (seeds %d..%d), %dx%d%n%n", r.images(), r.firstSeed(),
        r.firstSeed() + r.images() - 1, r.size(), r.size()));
    sb.append("| check | true target passes | wrong target fails | accuracy |\n|---|---|---|---|\n");
    for (Score s : r.scores().values()) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f |%n", s.name,
          s.posTotal == 0 ? "-" : String.format(Locale.ROOT, "%d/%d", s.posRight, s.posTotal),
          s.negTotal == 0 ? "-" : String.format(Locale.ROOT, "%d/%d", s.negRight, s.negTotal), s.accuracy()));
    }
    sb.append(String.format(Locale.ROOT, "%nrender %.3f ms/image, analysis %.3f ms/image%n", r.renderMs(), r.analyseMs()));
    return sb.toString();
  }

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long first = args.length > 1 ? Long.parseLong(args[1]) : HELD_OUT_SEED;
    int size = args.length > 2 ? Integer.parseInt(args[2]) : SceneRenderer.DEFAULT_SIZE;
    for (int i = 0; i < 200; i++) SceneRenderer.render(first - 1 - i, size, size); // warm up the JIT before timing
    Report r = run(first, n, size);
    System.out.print(table(r));
    int show = Math.min(r.failures().size(), Integer.getInteger("failures", 20));
    for (int i = 0; i < show; i++) System.out.println("  " + r.failures().get(i));
  }
}
