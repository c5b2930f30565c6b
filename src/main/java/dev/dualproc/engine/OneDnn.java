package dev.dualproc.engine;

import org.bytedeco.pytorch.global.torch;

/**
 * Keeps libtorch's CPU convolutions off oneDNN (mkldnn) unless DUALPROC_ONEDNN=1. On some AVX-512 CPUs (measured on
 * an AMD EPYC with avx512_vp2intersect, libtorch 2.10) oneDNN's input gradient of a 3x3 convolution with few output
 * channels is wrong: 0.6-0.9 relative error or NaN for 3 or 8 channels, the autoencoder's conv_out among them, so every
 * gradient through the decoder (teaching, decoder training) was wrong there. ATen's own kernels are right everywhere.
 */
public final class OneDnn {
  private OneDnn() {}

  /** The environment variable that keeps oneDNN on (for benchmarks on CPUs where it is right). */
  public static final String VARIABLE = "DUALPROC_ONEDNN";

  private static boolean applied;

  /** Applies the setting once per JVM, before the first model is placed (Placement calls it). */
  public static synchronized void apply() {
    if (applied) return;
    applied = true;
    torch.globalContext().setUserEnabledMkldnn("1".equals(System.getenv(VARIABLE)));
  }

  /** Whether CPU convolutions may use oneDNN in this JVM. */
  public static boolean enabled() { apply(); return torch.globalContext().userEnabledMkldnn(); }
}
