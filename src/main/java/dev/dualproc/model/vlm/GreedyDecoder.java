package dev.dualproc.model.vlm;

import dev.dualproc.engine.Tensors;
import java.util.Arrays;
import java.util.function.LongPredicate;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Greedy decoding of a few tokens after the generation prompt, with or without the KV cache (same tokens either way). */
public final class GreedyDecoder {
  private GreedyDecoder() {}

  /** The new token ids (stop token excluded) after {@code promptIds}, the image given as its features (IdeficsModel.imageFeatures). */
  public static long[] decode(IdeficsModel model, long[] promptIds, Tensor imageFeatures, int maxNewTokens, LongPredicate stop, boolean useCache) {
    long[] out = new long[0];
    try (NoGradGuard g = new NoGradGuard()) {
      KvCache cache = useCache ? new KvCache() : null;
      long[] step = promptIds;
      Tensor feats = imageFeatures;
      for (int n = 0; n < maxNewTokens; n++) {
        Tensor hidden = useCache ? model.hiddenStatesFromFeatures(step, feats, cache)
            : model.hiddenStatesFromFeatures(concat(promptIds, out), imageFeatures, null);
        long next = argmaxLast(model, hidden);
        if (stop.test(next) || next == model.config.imageTokenId()) break; // a generated <image> has no image behind it
        out = Arrays.copyOf(out, out.length + 1);
        out[out.length - 1] = next;
        step = new long[] {next};
        feats = null; // with the cache, the image is read once, in the prompt pass
      }
    }
    return out;
  }

  /** Logits of the last position [vocab] (for tests comparing the two paths). */
  static Tensor lastLogits(IdeficsModel model, Tensor hidden) {
    return model.logits(hidden.narrow(1, hidden.size(1) - 1, 1)).reshape(-1);
  }

  private static long argmaxLast(IdeficsModel model, Tensor hidden) {
    return Tensors.longs(lastLogits(model, hidden).argmax())[0];
  }

  static long[] concat(long[] a, long[] b) {
    long[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
