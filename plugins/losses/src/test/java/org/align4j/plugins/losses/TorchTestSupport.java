package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;

/** Shared helpers: one libtorch thread, double tensors, central finite differences. */
abstract class TorchTestSupport {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static Tensor dbl(double[] v, long... shape) {
    return Tensor.create(v, shape);
  }

  static Tensor vec(double... v) {
    return Tensor.create(v, v.length);
  }

  static Tensor param(double[] v, long... shape) {
    Tensor t = Tensor.create(v, shape);
    t.requires_grad_(true);
    return t;
  }

  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  /** -log(sigmoid(z)). */
  static double nls(double z) {
    return softplus(-z);
  }

  static double sigmoid(double z) {
    return 1.0 / (1.0 + Math.exp(-z));
  }

  static void assertClose(double expected, double actual, double tol, String what) {
    assertEquals(expected, actual, tol, what);
  }

  static void assertAllClose(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
    }
  }

  /**
   * Central finite differences of {@code f} (a scalar of double tensors) with respect to each element of
   * {@code x0}, evaluated with fresh leaf tensors; compared with the autograd gradient at {@code x0}.
   */
  static void checkGradient(double[] x0, long[] shape, Function<Tensor, Tensor> f, double tol) {
    double[] analytic;
    try (PointerScope s = new PointerScope()) {
      Tensor x = param(x0, shape);
      f.apply(x).backward();
      analytic = Tensors.toDoubles(x.grad());
    }
    double h = 1e-6;
    for (int i = 0; i < x0.length; i++) {
      double[] plus = x0.clone();
      double[] minus = x0.clone();
      plus[i] += h;
      minus[i] -= h;
      double fp;
      double fm;
      try (PointerScope s = new PointerScope()) {
        fp = Tensors.item(f.apply(dbl(plus, shape)));
        fm = Tensors.item(f.apply(dbl(minus, shape)));
      }
      double numeric = (fp - fm) / (2 * h);
      assertEquals(numeric, analytic[i], tol, "d loss / d x[" + i + "]");
    }
  }
}
