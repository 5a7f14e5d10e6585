package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Masked;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LogProbsTest extends TorchTestSupport {
  @Test
  void entropyMatchesTheDefinition() {
    try (PointerScope s = new PointerScope()) {
      double[] l = {0, 0, 0, 1.0, -1.0, 0.5};
      double[] h = Tensors.toDoubles(LogProbs.entropy(dbl(l, 1, 2, 3)));
      assertEquals(Math.log(3), h[0], 1e-12, "uniform over 3");
      double z = Math.exp(1.0) + Math.exp(-1.0) + Math.exp(0.5);
      double expected = 0;
      for (double x : new double[] {1.0, -1.0, 0.5}) {
        double p = Math.exp(x) / z;
        expected -= p * Math.log(p);
      }
      assertEquals(expected, h[1], 1e-12, "-sum p log p");
    }
  }

  @Test
  void halfPrecisionLogitsAreComputedInFloat32() {
    try (PointerScope s = new PointerScope()) {
      Tensor logits = Tensor.create(new float[] {2.0f, 0.0f, -2.0f}, 1, 1, 3).to(torch.ScalarType.BFloat16);
      Tensor lp = LogProbs.tokenLogProbs(logits, Tensor.create(new long[] {0}, 1, 1), null);
      assertEquals(torch.ScalarType.Float.value, lp.scalar_type().value, "float32 result");
      double lse = Math.log(Math.exp(2) + 1 + Math.exp(-2));
      assertEquals(2 - lse, Tensors.item(lp), 1e-6);
    }
  }

  @Test
  void maskedReductions() {
    try (PointerScope s = new PointerScope()) {
      Tensor x = dbl(new double[] {1, 2, 3, 100}, 2, 2);
      Tensor m = Tensor.create(new boolean[] {true, true, true, false}, 2, 2);
      assertEquals(2.0, Tensors.item(Masked.mean(x, m)), 0);
      assertEquals(6.0, Tensors.item(Masked.sum(x, m)), 0);
      assertEquals(2.0 / 3, Tensors.item(Masked.variance(x, m)), 1e-15);
      double sd = Math.sqrt(2.0 / 3 + 1e-8);
      assertAllClose(new double[] {-1 / sd, 0, 1 / sd, 0}, Tensors.toDoubles(Masked.whiten(x, m, true)), 1e-12,
          "whiten");
      assertAllClose(new double[] {2 - 1 / sd, 2, 2 + 1 / sd, 0}, Tensors.toDoubles(Masked.whiten(x, m, false)), 1e-12,
          "whiten, mean kept");
      assertAllClose(new double[] {3, 3}, Tensors.toDoubles(Masked.rowSum(x, m)), 0, "row sums");
    }
  }

  /** Helpers hand their result to the caller's scope, or, with none, leave it alive for the caller. */
  @Test
  void resultsOutliveTheHelpersInnerScopes() {
    Tensor x = dbl(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor m = dbl(new double[] {1, 0, 1, 1}, 2, 2);
    Tensor noScope = Masked.mean(x, m);
    Tensor inScope;
    try (PointerScope outer = new PointerScope()) {
      inScope = Masked.mean(x, m);
      Tensor junk = dbl(new double[] {9, 9, 9, 9}, 2, 2).mul(x); // reuse freed memory if any
      assertEquals(8.0 / 3, Tensors.item(inScope), 1e-15, "alive in the caller's scope");
      assertEquals(9.0 * 4, Tensors.item(junk.select(0, 1).select(0, 1)), 0);
    }
    System.gc();
    assertEquals(8.0 / 3, Tensors.item(noScope), 1e-15, "alive without any scope");
  }
}
