package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;

/** The `--threads N` option of the long-running commands: libtorch intra-op threads, checked before use. */
final class Threads {
  private Threads() {}

  /** Sets libtorch's thread count when {@code threads} was given (null: libtorch's default, one per core). */
  static void apply(Integer threads) {
    if (threads == null) return;
    if (threads < 1) throw new DualprocException("--threads: expected at least 1, got " + threads);
    org.bytedeco.pytorch.global.torch.set_num_threads(threads);
  }
}
