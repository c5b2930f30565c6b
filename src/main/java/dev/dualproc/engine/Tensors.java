package dev.dualproc.engine;

import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.*;

/** Small wrappers over the JavaCPP API that every model uses (shapes, scalars, Java arrays in and out). */
public final class Tensors {
  private Tensors() {}

  public static long[] shape(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) s[i] = t.size(i);
    return s;
  }

  public static String shapeString(Tensor t) { return Arrays.toString(shape(t)); }

  public static Scalar scalar(double v) { return new Scalar(v); }

  public static boolean isDtype(Tensor t, ScalarType s) { return t.scalar_type().intern() == s; }

  /** A float32 CPU tensor holding a copy of the values. */
  public static Tensor fromFloats(float[] values, long... shape) {
    FloatPointer p = new FloatPointer(values);
    Tensor t = from_blob(p, shape, new TensorOptions(ScalarType.Float)).clone();
    p.close();
    return t;
  }

  public static Tensor fromLongs(long[] values, long... shape) {
    LongPointer p = new LongPointer(values);
    Tensor t = from_blob(p, shape, new TensorOptions(ScalarType.Long)).clone();
    p.close();
    return t;
  }

  /** The values as float32, row-major. */
  public static float[] floats(Tensor t) {
    Tensor c = t.detach().to(ScalarType.Float).cpu().contiguous();
    float[] out = new float[(int) c.numel()];
    new FloatPointer(c.data_ptr()).get(out);
    return out;
  }

  public static long[] longs(Tensor t) {
    Tensor c = t.detach().to(ScalarType.Long).cpu().contiguous();
    long[] out = new long[(int) c.numel()];
    new LongPointer(c.data_ptr()).get(out);
    return out;
  }

  /** The raw bytes of the values (CPU, contiguous, native byte order): for bit-exact comparisons. */
  public static byte[] bytes(Tensor t) {
    Tensor c = t.detach().cpu().contiguous();
    long n = c.nbytes();
    if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large for a byte[]: " + n + " bytes");
    byte[] out = new byte[(int) n];
    if (n > 0) new BytePointer(c.data_ptr()).get(out);
    return out;
  }

  /** A CPU tensor of the given dtype and shape holding a copy of raw bytes. */
  public static Tensor fromBytes(byte[] bytes, ScalarType dtype, long... shape) {
    long numel = 1;
    for (long d : shape) numel = Math.multiplyExact(numel, d);
    if (bytes.length != numel * DType.of(dtype).size)
      throw new IllegalArgumentException(bytes.length + " bytes for " + DType.of(dtype) + " " + Arrays.toString(shape));
    if (numel == 0) return zeros(shape, new TensorOptions(dtype));
    BytePointer p = new BytePointer(bytes);
    Tensor t = from_blob(p, shape, new TensorOptions(dtype)).clone();
    p.close();
    return t;
  }

  public static double item(Tensor t) { return t.detach().to(ScalarType.Double).cpu().item().toDouble(); }

  public static TensorOptions options(ScalarType dtype) { return new TensorOptions(dtype); }

  public static Tensor mul(Tensor t, double v) { return t.mul(new Scalar(v)); }
  public static Tensor add(Tensor t, double v) { return t.add(new Scalar(v)); }

  /** Max |a-b| / max |b|: the parity measure used against reference tensors. */
  public static double relativeError(Tensor actual, Tensor expected) {
    Tensor a = actual.detach().to(ScalarType.Double).cpu(), e = expected.detach().to(ScalarType.Double).cpu();
    double diff = item(a.sub(e).abs().max());
    double ref = item(e.abs().max());
    return ref == 0 ? diff : diff / ref;
  }

  public static double maxAbsDiff(Tensor actual, Tensor expected) {
    return item(actual.detach().to(ScalarType.Double).cpu().sub(expected.detach().to(ScalarType.Double).cpu()).abs().max());
  }
}
