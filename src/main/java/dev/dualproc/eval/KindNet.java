package dev.dualproc.eval;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import dev.dualproc.world.BuiltinModels;
import dev.dualproc.world.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects verifier's kind reader: a small convolutional network over a {@link KindCrop} that names a coloured
 * region's kind, or says it is none. Trained by {@code dualproc world train verifier} on rendered scenes only (degraded
 * by blur, rescaling, noise and colour shifts, never on generated images); this class runs it in plain Java, so the
 * verifiers need no native code and give the same answer on every machine.
 *
 * <p>conv1 3x3 4->16, conv2 3x3 stride 2 16->32, conv3 3x3 stride 2 32->32 (ReLU after each), fc1 512->64 (ReLU),
 * fc2 64->7: the six kinds in {@link Kind} order, then none.
 */
public final class KindNet {
  public static final String FILE = "models/world/verifier/kind-net.safetensors";
  public static final int CLASSES = Kind.values().length + 1;
  public static final int NONE = CLASSES - 1;

  /** Tensor name -> shape: the checkpoint's layout, as data. */
  public static final Map<String, long[]> LAYOUT = layout();

  private static Map<String, long[]> layout() {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("conv1.weight", new long[] {16, KindCrop.CHANNELS, 3, 3});
    m.put("conv1.bias", new long[] {16});
    m.put("conv2.weight", new long[] {32, 16, 3, 3});
    m.put("conv2.bias", new long[] {32});
    m.put("conv3.weight", new long[] {32, 32, 3, 3});
    m.put("conv3.bias", new long[] {32});
    m.put("fc1.weight", new long[] {64, 32 * 4 * 4});
    m.put("fc1.bias", new long[] {64});
    m.put("fc2.weight", new long[] {CLASSES, 64});
    m.put("fc2.bias", new long[] {CLASSES});
    return m;
  }

  private final Map<String, float[]> w;

  public KindNet(Map<String, float[]> weights) {
    for (var e : LAYOUT.entrySet()) {
      float[] v = weights.get(e.getKey());
      long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
      if (v == null || v.length != n)
        throw new DualprocException("kind network: tensor " + e.getKey() + " needs " + n + " values of shape "
            + Arrays.toString(e.getValue()) + ", got " + (v == null ? "none" : v.length));
    }
    this.w = Map.copyOf(weights);
  }

  private static volatile KindNet builtin;

  /** The committed network under the dualproc home, loaded once. */
  public static KindNet builtin() {
    KindNet k = builtin;
    if (k == null) {
      synchronized (KindNet.class) {
        if (builtin == null) builtin = load(BuiltinModels.home().resolve(FILE));
        k = builtin;
      }
    }
    return k;
  }

  public static KindNet load(Path file) {
    if (!Files.isRegularFile(file))
      throw new DualprocException(file + ": the objects verifier's kind network is absent; train it with "
          + "`./dualproc world train verifier --out " + FILE.substring(0, FILE.lastIndexOf('/')) + "`");
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      Map<String, float[]> m = new LinkedHashMap<>();
      for (var e : LAYOUT.entrySet()) {
        if (!f.contains(e.getKey())) throw new DualprocException(file + ": missing tensor " + e.getKey());
        if (!Arrays.equals(f.shape(e.getKey()), e.getValue()))
          throw new DualprocException(file + ": tensor " + e.getKey() + " has shape " + Arrays.toString(f.shape(e.getKey()))
              + ", expected " + Arrays.toString(e.getValue()));
        m.put(e.getKey(), Tensors.floats(f.load(e.getKey()).to(org.bytedeco.pytorch.global.torch.ScalarType.Float)));
      }
      return new KindNet(m);
    }
  }

  /** Class scores (logits) of one crop: {@link #CLASSES} values, kinds in {@link Kind} order, then none. */
  public float[] logits(float[] crop) {
    int s = KindCrop.SIDE;
    float[] h = conv(crop, KindCrop.CHANNELS, s, "conv1", 16, 1);
    h = conv(h, 16, s, "conv2", 32, 2);
    h = conv(h, 32, s / 2, "conv3", 32, 2);
    h = dense(h, "fc1", 64, true);
    return dense(h, "fc2", CLASSES, false);
  }

  /** The kind the crop shows, or null for none. */
  public Kind kind(float[] crop) {
    float[] z = logits(crop);
    int best = 0;
    for (int i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
    return best == NONE ? null : Kind.values()[best];
  }

  /** 3x3 convolution, padding 1, then ReLU: [cin][n][n] -> [cout][n/stride][n/stride]. */
  private float[] conv(float[] x, int cin, int n, String name, int cout, int stride) {
    float[] k = w.get(name + ".weight"), b = w.get(name + ".bias");
    int m = n / stride;
    float[] y = new float[cout * m * m];
    for (int o = 0; o < cout; o++)
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
          double acc = b[o];
          for (int c = 0; c < cin; c++)
            for (int di = 0; di < 3; di++) {
              int yi = i * stride + di - 1;
              if (yi < 0 || yi >= n) continue;
              for (int dj = 0; dj < 3; dj++) {
                int xj = j * stride + dj - 1;
                if (xj < 0 || xj >= n) continue;
                acc += k[((o * cin + c) * 3 + di) * 3 + dj] * x[(c * n + yi) * n + xj];
              }
            }
          y[(o * m + i) * m + j] = (float) Math.max(0, acc);
        }
    return y;
  }

  private float[] dense(float[] x, String name, int out, boolean relu) {
    float[] k = w.get(name + ".weight"), b = w.get(name + ".bias");
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double acc = b[o];
      for (int i = 0; i < x.length; i++) acc += k[o * x.length + i] * x[i];
      y[o] = (float) (relu ? Math.max(0, acc) : acc);
    }
    return y;
  }

  /** The tensor names in checkpoint order. */
  public static List<String> names() { return List.copyOf(LAYOUT.keySet()); }
}
