package dev.dualproc.eval;

import dev.dualproc.world.Rgb;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The image is painted in the palette: at least 85% of its non-outline pixels lie within 40 of a palette colour, and
 * every palette colour covers at least 0.3% of the image.
 */
public record PaletteVerifier(List<Integer> colours) implements Verifier {
  static final double NEAR = 40, MIN_COVERAGE = 0.85, MIN_SHARE = 0.003;

  public PaletteVerifier {
    if (colours == null || colours.size() < 2 || colours.size() > 6)
      throw new IllegalArgumentException("palette must have 2-6 colours, got " + (colours == null ? 0 : colours.size()));
    colours = List.copyOf(colours);
  }

  @Override public Verdict judge(BufferedImage image) { return judge(SceneAnalysis.of(image)); }

  public Verdict judge(SceneAnalysis a) {
    int[] hits = new int[colours.size()];
    int near = 0, counted = 0;
    for (int i = 0; i < a.px.length; i++) {
      int c = a.px[i];
      int best = -1;
      double bestD = Double.MAX_VALUE;
      for (int k = 0; k < colours.size(); k++) {
        double d = Rgb.dist(c, colours.get(k));
        if (d < bestD) { bestD = d; best = k; }
      }
      if (bestD <= NEAR) { near++; counted++; hits[best]++; }
      else if (a.cls[i] != PixelClass.OUTLINE) counted++;
    }
    double coverage = counted == 0 ? 0 : near / (double) counted;
    List<Double> shares = new ArrayList<>();
    boolean allPresent = true;
    for (int hit : hits) {
      double s = hit / (double) a.px.length;
      shares.add(Measured.round(s));
      allPresent &= s >= MIN_SHARE;
    }
    Map<String, Object> m = Measured.of(a);
    m.put("paletteCoverage", Measured.round(coverage));
    m.put("paletteShares", shares);
    m.put("palette", colours.stream().map(Rgb::hex).toList());
    m.put("dominantColours", dominant(a.px, 6).stream().map(Rgb::hex).toList());
    return new Verdict(coverage >= MIN_COVERAGE && allPresent, a.validity.valid(), m);
  }

  /** The most frequent colours after quantising to 32 levels per channel: what the image is painted in. */
  public static List<Integer> dominant(int[] px, int n) {
    Map<Integer, int[]> bins = new java.util.HashMap<>();
    for (int c : px) {
      int key = ((Rgb.r(c) >> 3) << 10) | ((Rgb.g(c) >> 3) << 5) | (Rgb.b(c) >> 3);
      int[] acc = bins.computeIfAbsent(key, k -> new int[4]);
      acc[0]++;
      acc[1] += Rgb.r(c);
      acc[2] += Rgb.g(c);
      acc[3] += Rgb.b(c);
    }
    return bins.values().stream().sorted((p, q) -> Integer.compare(q[0], p[0])).limit(n)
        .map(acc -> Rgb.of(acc[1] / acc[0], acc[2] / acc[0], acc[3] / acc[0])).toList();
  }
}
