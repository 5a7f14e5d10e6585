package org.align4j.core.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small conversions between Java arrays and tensors (CPU). */
public final class Tensors {
  private Tensors() {}

  public static Tensor floats(float[] values, long... shape) {
    Tensor out = torch.empty(shape, new TensorOptions(ScalarType.Float), null);
    check(values.length, out);
    if (values.length > 0) {
      new FloatPointer(out.data_ptr()).capacity(values.length).put(values);
    }
    return out;
  }

  public static Tensor longs(long[] values, long... shape) {
    Tensor out = torch.empty(shape, new TensorOptions(ScalarType.Long), null);
    check(values.length, out);
    if (values.length > 0) {
      new LongPointer(out.data_ptr()).capacity(values.length).put(values);
    }
    return out;
  }

  public static Tensor ids(int[] values) {
    long[] l = new long[values.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = values[i];
    }
    return longs(l, 1, l.length);
  }

  private static void check(int n, Tensor out) {
    if (n != out.numel()) {
      throw new IllegalArgumentException(n + " values do not fill a tensor of " + out.numel() + " elements");
    }
  }

  /** The values of a tensor as float32 (copied to CPU, made contiguous). */
  public static float[] toFloats(Tensor t) {
    try (PointerScope s = new PointerScope()) {
      Tensor c = t.detach().to(new org.bytedeco.pytorch.Device("cpu"), ScalarType.Float).contiguous();
      float[] out = new float[(int) c.numel()];
      if (out.length > 0) {
        new FloatPointer(c.data_ptr()).capacity(out.length).get(out);
      }
      return out;
    }
  }

  public static long[] toLongs(Tensor t) {
    try (PointerScope s = new PointerScope()) {
      Tensor c = t.detach().to(new org.bytedeco.pytorch.Device("cpu"), ScalarType.Long).contiguous();
      long[] out = new long[(int) c.numel()];
      if (out.length > 0) {
        new LongPointer(c.data_ptr()).capacity(out.length).get(out);
      }
      return out;
    }
  }

  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }

  /**
   * Keeps a tensor alive beyond the innermost {@link PointerScope} (long-lived state such as parameters,
   * optimizer moments, caches). It is then freed by the garbage collector or {@code close()}.
   */
  public static Tensor keep(Tensor t) {
    t.retainReference();
    return t;
  }
}
