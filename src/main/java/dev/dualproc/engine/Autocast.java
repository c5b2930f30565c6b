package dev.dualproc.engine;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.get_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.is_autocast_cache_enabled;
import static org.bytedeco.pytorch.global.torch.is_autocast_enabled;
import static org.bytedeco.pytorch.global.torch.set_autocast_cache_enabled;
import static org.bytedeco.pytorch.global.torch.set_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.set_autocast_enabled;

/**
 * libtorch's CPU autocast for a block of forward code, on this thread: matmuls and convolutions run in bf16 while the
 * weights, their gradients and the optimiser stay fp32 (CPUs with AVX512-BF16 do bf16 matmuls about twice as fast).
 * The weight-cast cache is off, so nothing outlives the block; closing restores the previous state.
 */
public final class Autocast implements AutoCloseable {
  private final boolean active, wasEnabled, wasCache;
  private final ScalarType wasDtype;

  private Autocast(boolean active) {
    this.active = active;
    wasEnabled = active && is_autocast_enabled(DeviceType.CPU);
    wasCache = active && is_autocast_cache_enabled();
    wasDtype = active ? get_autocast_dtype(DeviceType.CPU) : null;
    if (active) {
      set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
      set_autocast_cache_enabled(false);
      set_autocast_enabled(DeviceType.CPU, true);
    }
  }

  /** bf16 autocast when {@code enabled} and the placement is the CPU; otherwise a block that changes nothing. */
  public static Autocast cpuBf16(boolean enabled, Placement placement) { return new Autocast(enabled && placement.isCpu()); }

  @Override public void close() {
    if (!active) return;
    set_autocast_enabled(DeviceType.CPU, wasEnabled);
    set_autocast_dtype(DeviceType.CPU, wasDtype);
    set_autocast_cache_enabled(wasCache);
  }
}
