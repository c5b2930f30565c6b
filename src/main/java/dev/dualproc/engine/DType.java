package dev.dualproc.engine;

import org.bytedeco.pytorch.global.torch.ScalarType;

/** The safetensors dtypes and their libtorch scalar types. */
public enum DType {
  F64(8, ScalarType.Double), F32(4, ScalarType.Float), F16(2, ScalarType.Half), BF16(2, ScalarType.BFloat16),
  F8_E4M3(1, ScalarType.Float8_e4m3fn), F8_E5M2(1, ScalarType.Float8_e5m2),
  I64(8, ScalarType.Long), I32(4, ScalarType.Int), I16(2, ScalarType.Short), I8(1, ScalarType.Char),
  U8(1, ScalarType.Byte), BOOL(1, ScalarType.Bool);

  public final int size;
  public final ScalarType scalarType;

  DType(int size, ScalarType scalarType) { this.size = size; this.scalarType = scalarType; }

  public static DType parse(String name) {
    for (DType d : values()) if (d.name().equals(name)) return d;
    return null;
  }

  public static DType of(ScalarType t) {
    ScalarType s = t.intern();
    for (DType d : values()) if (d.scalarType == s) return d;
    throw new DualprocException("no safetensors dtype for libtorch scalar type " + s);
  }
}
