package dev.dualproc.world.critic;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;
import static org.bytedeco.pytorch.global.torch.linear;

/**
 * A training-only linear probe on the critic's vision patches: from each patch state it predicts the {@link
 * PatchTargets} (thing, colour, horizon row, overlay mark), its own column (the tower's states otherwise keep their
 * row but barely their column, and a token selected by attention can only say where it is if its state does) and,
 * again from each patch, the image's stroke weight, the
 * kinds and (kind, colour) pairs present, the time of day, whether its overlay holds in the scene and each object's
 * column (sigmoid of its logit against the column's fraction of the width). Trained from scratch,
 * a VLM learns facts spread over the whole image (time of day) in a few hundred steps but facts held by a few patches
 * (is there a car? is the line on the horizon?) only after a long plateau; this loss makes the patches carry those
 * facts from the start, as a pretrained vision tower's do. Its weights live in the trainer state, never in the export.
 */
final class PatchProbe {
  static final List<String> KEYS = List.of("probe.patch.weight", "probe.patch.bias", "probe.image.weight", "probe.image.bias");

  /**
   * Per-image facts (stroke, presence, time of day, overlay answers), predicted from every patch alone: the vision tower
   * must broadcast them into all tokens, where the decoder reads them as easily as the sky's colour (time of day, the
   * one fact a from-scratch decoder learns in a few hundred steps).
   */
  static final int IMAGE_CLASSES = PatchTargets.STROKES + PatchTargets.PRESENT + PatchTargets.TIMES + PatchTargets.OVERLAYS.size() + PatchTargets.PAIRS;
  private static final int OVERLAY_AT = PatchTargets.STROKES + PatchTargets.PRESENT + PatchTargets.TIMES, ACROSS_AT = OVERLAY_AT + PatchTargets.OVERLAYS.size();

  private final int patch, horizonClasses, columns;
  final Map<String, Tensor> weights = new LinkedHashMap<>();

  /** Fresh weights for patch states of width {@code hidden} over patches of {@code patch} pixels. */
  PatchProbe(long hidden, int patch, long seed, org.bytedeco.pytorch.Device device) {
    this.patch = patch;
    this.horizonClasses = PatchTargets.horizonClasses(patch);
    this.columns = CriticConfig.IMAGE_SIZE / patch;
    long classes = PatchTargets.THINGS + PatchTargets.COLOURS + horizonClasses + PatchTargets.MARKS + columns;
    var g = Rng.generator(seed ^ 0x9E3779B97F4A7C15L);
    weights.put(KEYS.get(0), Rng.normal(g, classes, hidden).mul(new Scalar(0.02)));
    weights.put(KEYS.get(1), zeros(classes));
    weights.put(KEYS.get(2), Rng.normal(g, IMAGE_CLASSES, hidden).mul(new Scalar(0.02)));
    weights.put(KEYS.get(3), zeros(IMAGE_CLASSES));
    weights.replaceAll((k, t) -> t.to(device, ScalarType.Float)); // the model's device: CUDA runs keep the probe there too
    for (Tensor t : weights.values()) t.requires_grad_(true);
  }

  List<Tensor> parameters() { return List.copyOf(weights.values()); }

  /** Loads saved probe weights (as written from {@link #weights}) in place. */
  void load(Map<String, Tensor> saved) {
    for (String k : KEYS) {
      Tensor t = saved.get(k);
      if (t == null) throw new IllegalStateException("trainer state lacks " + k);
      if (!java.util.Arrays.equals(t.shape(), weights.get(k).shape()))
        throw new dev.dualproc.engine.DualprocException("trainer state: " + k + " has shape " + java.util.Arrays.toString(t.shape()) + ", this dualproc's probe "
            + java.util.Arrays.toString(weights.get(k).shape()) + " (the run was made by a dualproc with other probe targets: start it again with --fresh, or warm-start with --init-from)");
      try (var g = new org.bytedeco.pytorch.NoGradGuard()) { weights.get(k).copy_(t); }
    }
  }

  /** The mean of the cross-entropies over a batch: states [B, patches, hidden] in the targets' order. */
  Tensor loss(Tensor states, List<PatchTargets> targets) {
    int b = targets.size();
    long n = states.size(1), d = states.size(2);
    Tensor flat = states.to(ScalarType.Float).reshape(b * n, d);
    Tensor logits = linear(flat, weights.get(KEYS.get(0)), new TensorOptional(weights.get(KEYS.get(1))));
    long[] thing = new long[(int) (b * n)], colour = new long[thing.length], horizon = new long[thing.length], mark = new long[thing.length];
    long[] column = new long[thing.length];
    for (int i = 0; i < column.length; i++) column[i] = (i % n) % columns; // row-major patches: a patch keeps where it is
    long[] stroke = new long[b];
    for (int i = 0; i < b; i++) {
      PatchTargets t = targets.get(i);
      if (t.thing().length != n) throw new IllegalArgumentException("targets for " + t.thing().length + " patches, states have " + n);
      System.arraycopy(t.thing(), 0, thing, (int) (i * n), (int) n);
      System.arraycopy(t.colour(), 0, colour, (int) (i * n), (int) n);
      System.arraycopy(t.horizon(), 0, horizon, (int) (i * n), (int) n);
      System.arraycopy(t.mark(), 0, mark, (int) (i * n), (int) n);
      stroke[i] = t.stroke();
    }
    int at = 0;
    Tensor sum = null;
    for (Object[] group : new Object[][] {{thing, PatchTargets.THINGS}, {colour, PatchTargets.COLOURS}, {horizon, horizonClasses}, {mark, PatchTargets.MARKS}, {column, columns}}) {
      int classes = (Integer) group[1];
      Tensor ce = ce(logits.narrow(1, at, classes), (long[]) group[0]);
      sum = sum == null ? ce : sum.add(ce);
      at += classes;
    }
    Tensor image = linear(flat, weights.get(KEYS.get(2)), new TensorOptional(weights.get(KEYS.get(3)))); // [B * n, classes]
    float[] present = new float[(int) (b * n) * PatchTargets.PRESENT];
    long[] time = new long[(int) (b * n)], strokes = new long[(int) (b * n)];
    List<Long> overlayRows = new java.util.ArrayList<>(), acrossRows = new java.util.ArrayList<>();
    List<Float> overlayTrue = new java.util.ArrayList<>(), across = new java.util.ArrayList<>();
    for (int i = 0; i < b; i++) {
      PatchTargets t = targets.get(i);
      for (int j = 0; j < n; j++) { // every patch of image i answers for the whole image
        int row = (int) (i * n + j);
        System.arraycopy(t.present(), 0, present, row * PatchTargets.PRESENT, PatchTargets.PRESENT);
        time[row] = t.timeOfDay();
        strokes[row] = stroke[i];
        if (t.overlay() >= 0) { overlayRows.add((long) row * IMAGE_CLASSES + OVERLAY_AT + t.overlay()); overlayTrue.add(t.overlayTrue() ? 1f : 0f); }
        for (int p = 0; p < PatchTargets.PAIRS; p++)
          if (!Float.isNaN(t.across()[p])) { acrossRows.add((long) row * IMAGE_CLASSES + ACROSS_AT + p); across.add(t.across()[p]); }
      }
    }
    sum = sum.add(ce(image.narrow(1, 0, PatchTargets.STROKES), strokes));
    Tensor presentLogits = image.narrow(1, PatchTargets.STROKES, PatchTargets.PRESENT);
    sum = sum.add(binary_cross_entropy_with_logits(presentLogits, Tensors.fromFloats(present, b * n, PatchTargets.PRESENT).to(presentLogits.device(), ScalarType.Float)));
    boolean anyTime = java.util.Arrays.stream(time).anyMatch(x -> x >= 0);
    if (anyTime) sum = sum.add(ce(image.narrow(1, PatchTargets.STROKES + PatchTargets.PRESENT, PatchTargets.TIMES), time));
    int terms = 7 + (anyTime ? 1 : 0);
    // each overlay item's truth at its preset's logit, each lone object's column at its (kind, colour)'s logit
    if (!overlayRows.isEmpty()) { sum = sum.add(picked(image, overlayRows, overlayTrue)); terms++; }
    if (!acrossRows.isEmpty()) { sum = sum.add(picked(image, acrossRows, across)); terms++; }
    return sum.div(new Scalar(terms));
  }

  /** Binary cross-entropy of the flat logits at {@code rows} of {@code image} against soft {@code targets}. */
  static Tensor picked(Tensor image, List<Long> rows, List<Float> targets) {
    long[] at = rows.stream().mapToLong(Long::longValue).toArray();
    float[] y = new float[at.length];
    for (int i = 0; i < y.length; i++) y[i] = targets.get(i);
    Tensor logits = image.reshape(-1).index_select(0, Tensors.fromLongs(at, at.length).to(image.device(), ScalarType.Long));
    return binary_cross_entropy_with_logits(logits, Tensors.fromFloats(y, y.length).to(logits.device(), ScalarType.Float));
  }

  /**
   * How well the image facts can be read from the patches (the probe's own predictions, averaged over the patches): the
   * share of images whose set of kinds present is exactly right, the same for the (kind, colour) pairs, and the share of
   * single (image, kind) presence answers that are right, the share of object patches whose kind the patch itself
   * names, the share of overlays whose truth (for depth: is A the nearer) is read right, and the share of pairs of
   * lone objects at least 6/64 of the width apart whose left-right order the columns read give. Tells a vision tower
   * that cannot see the objects from a decoder that cannot look them up.
   */
  double[] readout(Tensor states, List<PatchTargets> targets) {
    int b = targets.size();
    Tensor image = linear(states.to(ScalarType.Float), weights.get(KEYS.get(2)), new TensorOptional(weights.get(KEYS.get(3)))).mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
    float[] logits = Tensors.floats(image.narrow(1, PatchTargets.STROKES, PatchTargets.PRESENT).contiguous());
    int kindsRight = 0, pairsRight = 0, singleRight = 0;
    for (int i = 0; i < b; i++) {
      boolean kinds = true, pairs = true;
      for (int j = 0; j < PatchTargets.PRESENT; j++) {
        boolean said = logits[i * PatchTargets.PRESENT + j] > 0, truth = targets.get(i).present()[j] > 0.5f;
        if (said != truth) { if (j < PatchTargets.KINDS) kinds = false; else pairs = false; }
        else if (j < PatchTargets.KINDS) singleRight++;
      }
      if (kinds) kindsRight++;
      if (pairs) pairsRight++;
    }
    long n = states.size(1);
    Tensor things = linear(states.to(ScalarType.Float), weights.get(KEYS.get(0)), new TensorOptional(weights.get(KEYS.get(1))))
        .narrow(2, 0, PatchTargets.THINGS).argmax(new org.bytedeco.pytorch.LongOptional(2), false);
    long[] named = Tensors.longs(things.contiguous());
    int objectPatches = 0, objectRight = 0;
    for (int i = 0; i < b; i++)
      for (int j = 0; j < n; j++) {
        long truth = targets.get(i).thing()[j];
        if (truth < PatchTargets.FIRST_KIND) continue;
        objectPatches++;
        if (named[(int) (i * n + j)] == truth) objectRight++;
      }
    float[] facts = Tensors.floats(image.narrow(1, OVERLAY_AT, PatchTargets.OVERLAYS.size() + PatchTargets.PAIRS).contiguous());
    int stride = PatchTargets.OVERLAYS.size() + PatchTargets.PAIRS, overlays = 0, overlaysRight = 0, orders = 0, ordersRight = 0;
    for (int i = 0; i < b; i++) {
      PatchTargets t = targets.get(i);
      if (t.overlay() >= 0) { overlays++; if ((facts[i * stride + t.overlay()] > 0) == t.overlayTrue()) overlaysRight++; }
      float[] x = t.across();
      for (int p = 0; p < x.length; p++)
        for (int q = p + 1; q < x.length; q++) {
          if (Float.isNaN(x[p]) || Float.isNaN(x[q]) || Math.abs(x[p] - x[q]) < 6 / 64f) continue;
          orders++;
          float said = facts[i * stride + PatchTargets.OVERLAYS.size() + p] - facts[i * stride + PatchTargets.OVERLAYS.size() + q];
          if ((said < 0) == (x[p] < x[q])) ordersRight++;
        }
    }
    return new double[] {kindsRight / (double) b, pairsRight / (double) b, singleRight / (double) (b * PatchTargets.KINDS),
        objectPatches == 0 ? Double.NaN : objectRight / (double) objectPatches,
        overlays == 0 ? Double.NaN : overlaysRight / (double) overlays, orders == 0 ? Double.NaN : ordersRight / (double) orders};
  }

  private static Tensor ce(Tensor logits, long[] targets) {
    Tensor y = Tensors.fromLongs(targets, targets.length).to(logits.device(), ScalarType.Long);
    return cross_entropy_loss(logits, y, new TensorOptional(), 1 /* mean */, -100, 0.0);
  }

  private static Tensor zeros(long n) {
    return org.bytedeco.pytorch.global.torch.zeros(new long[] {n}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Float));
  }

  int patch() { return patch; }
}
