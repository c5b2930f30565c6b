package dev.dualproc.world.critic;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;
import static org.bytedeco.pytorch.global.torch.linear;

/**
 * A training-only linear probe on the decoder's state where it predicts the answer: from it, the question's family and
 * the words it asks about (first and second kind and colour, the number, the time of day). A from-scratch decoder must
 * first carry the asked-about word to the answer position before any image lookup can pay off; this loss teaches that
 * first hop directly, the second (image facts, which {@link PatchProbe} puts in every image token) being what the
 * answer loss then learns. Its weights live in the trainer state, never in the export.
 *
 * <p>With columns, it also reads the second hop for the left-right family: the centre column (a fraction of the width,
 * against the sigmoid of its logit) of each object the question names, in the order named. A comparison's answer pays
 * only when both lookups, the comparison and the wording all work; these targets reward each lookup alone.
 */
final class QuestionProbe {
  static final List<String> KEYS = List.of("probe.question.weight", "probe.question.bias");
  static final int FAMILIES = VqaGenerator.TASKS.size(), KINDS = 1 + Kind.values().length, COLOURS = 1 + NamedColour.values().length,
      NUMBERS = 5, TIMES = 4;
  static final int[] GROUPS = {FAMILIES, KINDS, COLOURS, KINDS, COLOURS, NUMBERS, TIMES};
  static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three");
  static final List<String> TIME_WORDS = List.of("daytime", "sunset", "night");

  static final int CLASSES = java.util.Arrays.stream(GROUPS).sum(), COLUMNS = 2;

  final Map<String, Tensor> weights = new LinkedHashMap<>();
  private final boolean columns;

  QuestionProbe(long hidden, long seed, org.bytedeco.pytorch.Device device, boolean columns) {
    this.columns = columns;
    int classes = CLASSES + (columns ? COLUMNS : 0);
    var g = Rng.generator(seed ^ 0x51ED2701L);
    weights.put(KEYS.get(0), Rng.normal(g, classes, hidden).mul(new Scalar(0.02)));
    weights.put(KEYS.get(1), org.bytedeco.pytorch.global.torch.zeros(new long[] {classes}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Float)));
    weights.replaceAll((k, t) -> t.to(device, ScalarType.Float));
    for (Tensor t : weights.values()) t.requires_grad_(true);
  }

  List<Tensor> parameters() { return List.copyOf(weights.values()); }

  void load(Map<String, Tensor> saved) {
    for (String k : KEYS)
      if (!java.util.Arrays.equals(saved.get(k).shape(), weights.get(k).shape()))
        throw new dev.dualproc.engine.DualprocException("trainer state: " + k + " has shape " + java.util.Arrays.toString(saved.get(k).shape())
            + ", this run's question probe " + java.util.Arrays.toString(weights.get(k).shape()) + " (--probe-columns differs from the run's own)");
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      for (String k : KEYS) weights.get(k).copy_(saved.get(k));
    }
  }

  /**
   * The centre columns, as fractions of the width, of the objects a rendered left-right item names, in the order named
   * (NaN where the item names fewer, is of another family, or has no renderer's truth).
   */
  static float[] columns(VqaItem item) {
    float[] out = {Float.NaN, Float.NaN};
    if (item.truth() == null || !item.task().equals("left-right")) return out;
    List<String> w = List.of(item.question().toLowerCase(Locale.ROOT).split("[^a-z]+"));
    int named = 0;
    for (int i = 0; i + 1 < w.size() && named < COLUMNS; i++) {
      String colour = w.get(i), kind = w.get(i + 1);
      List<dev.dualproc.world.SceneObject> found = item.truth().objects().stream()
          .filter(o -> o.colour().word.equals(colour) && o.kind().singular.equals(kind)).toList();
      if (found.size() == 1) out[named++] = (float) (found.get(0).centreX() / item.truth().width());
    }
    return out;
  }

  /** Of the items naming two objects, the share whose left-right order the probe's two columns give right (NaN: none). */
  double columnOrder(Tensor states, List<VqaItem> items) {
    if (!columns) return Double.NaN;
    float[] logits = Tensors.floats(linear(states.to(ScalarType.Float), weights.get(KEYS.get(0)), new TensorOptional(weights.get(KEYS.get(1))))
        .narrow(1, CLASSES, COLUMNS).contiguous());
    int pairs = 0, right = 0;
    for (int i = 0; i < items.size(); i++) {
      float[] x = columns(items.get(i));
      if (Float.isNaN(x[1])) continue;
      pairs++;
      if ((logits[2 * i] < logits[2 * i + 1]) == (x[0] < x[1])) right++;
    }
    return pairs == 0 ? Double.NaN : right / (double) pairs;
  }

  /** The classes of one question, in {@link #GROUPS} order (0 = the question names none). */
  static long[] targets(VqaItem item) {
    long[] t = new long[GROUPS.length];
    t[0] = VqaGenerator.TASKS.indexOf(item.task());
    int kinds = 0, colours = 0;
    for (String w : item.question().toLowerCase(Locale.ROOT).split("[^a-z]+")) {
      for (Kind k : Kind.values())
        if ((w.equals(k.singular) || w.equals(k.plural)) && kinds < 2) t[1 + 2 * kinds++] = 1 + k.ordinal();
      for (NamedColour c : NamedColour.values())
        if (w.equals(c.word) && colours < 2) t[2 + 2 * colours++] = 1 + c.ordinal();
      if (NUMBER_WORDS.contains(w)) t[5] = 1 + NUMBER_WORDS.indexOf(w);
      if (TIME_WORDS.contains(w)) t[6] = 1 + TIME_WORDS.indexOf(w);
    }
    return t;
  }

  /** Per group, the share of items whose class the probe predicts right from the answer states [B, D]. */
  double[] accuracy(Tensor states, List<VqaItem> items) {
    int b = items.size(), classes = CLASSES + (columns ? COLUMNS : 0);
    float[] logits = Tensors.floats(linear(states.to(ScalarType.Float), weights.get(KEYS.get(0)), new TensorOptional(weights.get(KEYS.get(1)))).contiguous());
    double[] right = new double[GROUPS.length];
    for (int i = 0; i < b; i++) {
      long[] t = targets(items.get(i));
      int at = 0;
      for (int g = 0; g < GROUPS.length; g++) {
        int best = 0;
        for (int c = 1; c < GROUPS[g]; c++) if (logits[i * classes + at + c] > logits[i * classes + at + best]) best = c;
        if (best == t[g]) right[g] += 1.0 / b;
        at += GROUPS[g];
      }
    }
    return right;
  }

  /** The mean cross-entropy of the groups over the items: states [B, D], the decoder's at each item's answer position. */
  Tensor loss(Tensor states, List<VqaItem> items) {
    int b = items.size();
    Tensor logits = linear(states.to(ScalarType.Float), weights.get(KEYS.get(0)), new TensorOptional(weights.get(KEYS.get(1))));
    long[][] t = new long[GROUPS.length][b];
    for (int i = 0; i < b; i++) {
      long[] ti = targets(items.get(i));
      for (int g = 0; g < GROUPS.length; g++) t[g][i] = ti[g];
    }
    Tensor sum = null;
    int at = 0;
    for (int g = 0; g < GROUPS.length; g++) {
      Tensor y = Tensors.fromLongs(t[g], b).to(logits.device(), ScalarType.Long);
      Tensor ce = cross_entropy_loss(logits.narrow(1, at, GROUPS[g]), y, new TensorOptional(), 1, -100, 0.0);
      sum = sum == null ? ce : sum.add(ce);
      at += GROUPS[g];
    }
    int terms = GROUPS.length;
    if (columns) { // each named object's column at its logit, where a rendered left-right item names it
      List<Long> rows = new java.util.ArrayList<>();
      List<Float> x = new java.util.ArrayList<>();
      for (int i = 0; i < b; i++) {
        float[] c = columns(items.get(i));
        for (int j = 0; j < COLUMNS; j++) if (!Float.isNaN(c[j])) { rows.add((long) i * (CLASSES + COLUMNS) + CLASSES + j); x.add(c[j]); }
      }
      if (!rows.isEmpty()) { sum = sum.add(PatchProbe.picked(logits, rows, x)); terms++; }
    }
    return sum.div(new Scalar(terms));
  }
}
