package dev.dualproc.engine;

import java.util.Arrays;
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
