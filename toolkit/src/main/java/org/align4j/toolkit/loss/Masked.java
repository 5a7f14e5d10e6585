package org.align4j.toolkit.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Reductions over the entries a mask keeps (1/true) and ignores (0/false). Masks may be bool, integer or
 * floating; results have the dtype of {@code x}. Entries the mask drops never contribute, whatever they
 * hold (finite values are assumed: {@code NaN * 0} is {@code NaN}).
 */
public final class Masked {
  private Masked() {}

  /** Sum of the kept entries (a scalar tensor). */
  public static Tensor sum(Tensor x, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      return Tensors.keep(outer, x.mul(Tensors.maskLike(mask, x)).sum());
    }
  }

  /** Per-row sum over the last dimension ({@code [B, T] -> [B]}). */
  public static Tensor rowSum(Tensor x, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      return Tensors.keep(outer, x.mul(Tensors.maskLike(mask, x)).sum(-1));
    }
  }

  /** How many entries the mask keeps, in the dtype of {@code like} (a scalar tensor). */
  public static Tensor count(Tensor mask, Tensor like) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      return Tensors.keep(outer, Tensors.maskLike(mask, like).sum());
    }
  }

  /** Mean of the kept entries; 0 when the mask keeps none. */
  public static Tensor mean(Tensor x, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor m = Tensors.maskLike(mask, x);
      Tensor n = m.sum().clamp_min(new Scalar(1.0));
      return Tensors.keep(outer, x.mul(m).sum().div(n));
    }
  }

  /**
   * Population variance of the kept entries (divides by the count, not count - 1); 0 when fewer than one.
   */
  public static Tensor variance(Tensor x, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Deviations k = Deviations.of(x, mask);
      return Tensors.keep(outer, k.d().mul(k.d()).sum().div(k.n()));
    }
  }

  /**
   * Whitening over the kept entries: {@code (x - mean) / sqrt(var + 1e-8)} with the population variance;
   * with {@code shiftMean} false the mean is added back (only the scale changes). Dropped entries become 0.
   */
  public static Tensor whiten(Tensor x, Tensor mask, boolean shiftMean) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Deviations k = Deviations.of(x, mask);
      Tensor var = k.d().mul(k.d()).sum().div(k.n());
      Tensor w = k.d().mul(var.add(new Scalar(1e-8)).rsqrt());
      if (!shiftMean) {
        w = w.add(k.mu()).mul(k.m());
      }
      return Tensors.keep(outer, w);
    }
  }

  /**
   * What variance and whitening both start from, made in the caller's pointer scope: the mask as {@code x}'s type
   * ({@code m}), the kept count, at least 1 ({@code n}), the kept mean ({@code mu}) and the deviations from it, 0 where
   * dropped ({@code d}).
   */
  private record Deviations(Tensor m, Tensor n, Tensor mu, Tensor d) {
    static Deviations of(Tensor x, Tensor mask) {
      Tensor m = Tensors.maskLike(mask, x);
      Tensor n = m.sum().clamp_min(new Scalar(1.0));
      Tensor mu = x.mul(m).sum().div(n);
      return new Deviations(m, n, mu, x.sub(mu).mul(m));
    }
  }
}
