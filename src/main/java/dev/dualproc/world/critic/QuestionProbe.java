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
 */
final class QuestionProbe {
  static final List<String> KEYS = List.of("probe.question.weight", "probe.question.bias");
  static final int FAMILIES = VqaGenerator.TASKS.size(), KINDS = 1 + Kind.values().length, COLOURS = 1 + NamedColour.values().length,
      NUMBERS = 5, TIMES = 4;
  static final int[] GROUPS = {FAMILIES, KINDS, COLOURS, KINDS, COLOURS, NUMBERS, TIMES};
  static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three");
  static final List<String> TIME_WORDS = List.of("daytime", "sunset", "night");

  final Map<String, Tensor> weights = new LinkedHashMap<>();

  QuestionProbe(long hidden, long seed, org.bytedeco.pytorch.Device device) {
    int classes = java.util.Arrays.stream(GROUPS).sum();
    var g = Rng.generator(seed ^ 0x51ED2701L);
    weights.put(KEYS.get(0), Rng.normal(g, classes, hidden).mul(new Scalar(0.02)));
    weights.put(KEYS.get(1), org.bytedeco.pytorch.global.torch.zeros(new long[] {classes}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Float)));
    weights.replaceAll((k, t) -> t.to(device, ScalarType.Float));
    for (Tensor t : weights.values()) t.requires_grad_(true);
  }

  List<Tensor> parameters() { return List.copyOf(weights.values()); }

  void load(Map<String, Tensor> saved) {
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      for (String k : KEYS) weights.get(k).copy_(saved.get(k));
    }
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
    int b = items.size(), classes = java.util.Arrays.stream(GROUPS).sum();
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
    return sum.div(new Scalar(GROUPS.length));
  }
}
