package dev.dualproc.engine;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Where a model's weights and activations live: a device and a floating dtype (fp32 or bf16; never fp16 on CPU). */
public record Placement(String device, ScalarType dtype) {
  public static Placement cpu() { return new Placement("cpu", ScalarType.Float); }
  public static Placement cpuBf16() { return new Placement("cpu", ScalarType.BFloat16); }

  public Placement {
    dtype = dtype.intern();
    if (device.equals("cpu") && dtype == ScalarType.Half)
      throw new DualprocException("dtype float16 on the CPU is about 200x slower than float32: use float32 or bfloat16");
  }

  /** "cpu", "cuda", "cuda:1" and dtype names "float32"/"fp32", "bfloat16"/"bf16", "float16"/"fp16". */
  public static Placement parse(String device, String dtype) {
    ScalarType t = switch (dtype.toLowerCase()) {
      case "float32", "fp32", "f32" -> ScalarType.Float;
      case "bfloat16", "bf16" -> ScalarType.BFloat16;
      case "float16", "fp16", "f16" -> ScalarType.Half;
      default -> throw new DualprocException("dtype: expected float32 or bfloat16, got '" + dtype + "'");
    };
    if (device.startsWith("cuda") && !torch.cuda_is_available())
      throw new DualprocException("device: '" + device + "' requested but CUDA is not available (CPU build or no GPU)");
    if (!device.equals("cpu") && !device.matches("cuda(:\\d+)?"))
      throw new DualprocException("device: expected cpu, cuda or cuda:N, got '" + device + "'");
    return new Placement(device, t);
  }

  public Device torchDevice() { return new Device(device); }

  public boolean isCpu() { return device.equals("cpu"); }

  /** Floating tensors move to this dtype and device; integer tensors keep their dtype. */
  public Tensor place(Tensor t) {
    ScalarType s = t.scalar_type().intern();
    boolean floating = s == ScalarType.Float || s == ScalarType.BFloat16 || s == ScalarType.Half || s == ScalarType.Double
        || s == ScalarType.Float8_e4m3fn || s == ScalarType.Float8_e5m2;
    Tensor moved = isCpu() ? t : t.to(torchDevice(), s);
    return floating && s != dtype ? moved.to(dtype) : moved;
  }
}
