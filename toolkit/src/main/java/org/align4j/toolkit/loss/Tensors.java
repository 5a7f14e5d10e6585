package org.align4j.toolkit.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Small tensor utilities shared by the losses and their callers. */
public final class Tensors {
  private Tensors() {}

  /** {@code [2, 3]}, for messages. */
  public static String shape(Tensor t) {
    if (t == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (long i = 0; i < t.dim(); i++) {
      sb.append(i == 0 ? "" : ", ").append(t.size(i));
    }
    return sb.append(']').toString();
  }

  /** The elements of a tensor (any device, dtype), row-major, as doubles. */
  public static double[] toDoubles(Tensor t) {
    try (PointerScope s = new PointerScope()) {
      Tensor c = t.detach().to(torch.ScalarType.Double).cpu().contiguous();
      double[] out = new double[(int) c.numel()];
      c.data_ptr_double().get(out);
      return out;
    }
  }

  /** A tensor of {@code values} with the dtype and device of {@code like}, shaped {@code shape}. */
  public static Tensor like(Tensor like, double[] values, long... shape) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor r = Tensor.create(values, shape).to(like.device(), like.scalar_type());
      return keep(outer, r);
    }
  }

  /** A detached scalar's value. */
  public static double item(Tensor t) {
    try (PointerScope s = new PointerScope()) {
      return t.detach().to(torch.ScalarType.Double).cpu().item_double();
    }
  }

  /** A {@link Scalar} (attached to the current scope, if any). */
  public static Scalar scalar(double v) {
    return new Scalar(v);
  }

  /** {@code mask} as 0/1 in the dtype and on the device of {@code like}. */
  public static Tensor maskLike(Tensor mask, Tensor like) {
    return mask.to(like.device(), like.scalar_type());
  }

  /**
   * Hands {@code result}, made inside a scope the caller of this library does not see, to the scope that
   * was innermost before ({@code outer}); with none, the result is left to the garbage collector like any
   * tensor made outside a scope. Call it before the inner scope closes.
   */
  public static <T extends org.bytedeco.javacpp.Pointer> T keep(PointerScope outer, T result) {
    if (outer != null) {
      outer.attach(result);
    } else {
      result.retainReference();
    }
    return result;
  }
}
