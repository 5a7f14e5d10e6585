package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PolicyBatch;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.Rollout;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class RlooLossTest extends TorchTestSupport {
  /**
   * Three rows, groups [0, 0, 1], beta 0.5, worked by hand:
   * <pre>
   * row 0: score 1,   KL = (-1 - -1.5) + (-2 - -2) = 0.5   R = 1 - 0.25 = 0.75
   * row 1: score 0,   KL = (-1 - -0.5), t1 masked = -0.5   R = 0 + 0.25 = 0.25
   * row 2: score 0.5, KL = 0                              R = 0.5
   * advantages: row 0 = 0.75 - 0.25 = 0.5, row 1 = 0.25 - 0.75 = -0.5, row 2 alone in its group = 0.5
   * policy loss at ratio 1 = mean over the 5 tokens of -A = -(0.5 + 0.5 - 0.5 + 0.5 + 0.5) / 5 = -0.3
   * d loss / d log pi = -A / 5 on each unmasked token
   * </pre>
   */
  static final double[] LP = {-1, -2, -1, 0, -1, -1};
  static final double[] REF = {-1.5, -2, -0.5, 0, -1, -1};
  static final double[] MASK = {1, 1, 1, 0, 1, 1};

  static PolicyLoss rloo(double beta, boolean whiten) {
    return new RlooLossProvider().create(new RlooOptions(0.2, beta, whiten));
  }

  @Test
  void leaveOneOutAdvantagesAndTheClippedLossByHand() {
    try (PointerScope s = new PointerScope()) {
      Rollout r = new Rollout(dbl(LP, 3, 2), dbl(REF, 3, 2), null, dbl(MASK, 3, 2), vec(1, 0, 0.5), null, null,
          Tensor.create(new long[] {0, 0, 1}, 3));
      PolicyLoss loss = rloo(0.5, false);
      assertFalse(loss.usesValues());
      assertTrue(loss.needsReference());
      Advantages a = loss.advantages(r);
      assertAllClose(new double[] {0.5, 0.5, -0.5, 0, 0.5, 0.5}, Tensors.toDoubles(a.advantages()), 1e-12, "advantages");
      assertAllClose(new double[] {0, 0.75, 0.25, 0, 0, 0.5}, Tensors.toDoubles(a.rewards()), 1e-12, "returns at the last token");
      assertNull(a.returns());
      assertClose(0.5, a.diagnostics().get("reward"), 1e-12, "mean return");
      assertClose(0.0, a.diagnostics().get("kl"), 1e-12, "mean KL per sequence (0.5 - 0.5 + 0) / 3");

      Tensor lp = param(LP, 3, 2);
      LossResult res = loss.compute(new PolicyBatch(lp, dbl(LP, 3, 2), null, null, null, a.advantages(), null,
          dbl(MASK, 3, 2), null));
      assertClose(-0.3, Tensors.item(res.loss()), 1e-12, "policy loss");
      assertClose(0.0, res.diagnostics().get("clip_fraction"), 0, "ratio 1: nothing clipped");
      assertClose(5.0, res.diagnostics().get("loss_tokens"), 0, "tokens");
      res.loss().backward();
      assertAllClose(new double[] {-0.1, -0.1, 0.1, 0, -0.1, -0.1}, Tensors.toDoubles(lp.grad()), 1e-12, "gradient");
    }
  }

  @Test
  void whitenedAdvantagesHaveMeanZeroAndUnitVariance() {
    try (PointerScope s = new PointerScope()) {
      Rollout r = new Rollout(dbl(LP, 3, 2), dbl(REF, 3, 2), null, dbl(MASK, 3, 2), vec(1, 0, 0.5), null, null,
          Tensor.create(new long[] {0, 0, 1}, 3));
      double[] a = Tensors.toDoubles(rloo(0.5, true).advantages(r).advantages());
      // raw 0.5, 0.5, -0.5, 0.5, 0.5 on the unmasked tokens: mean 0.3, variance 0.16, so 0.5 -> 0.5 and -0.5 -> -2
      assertAllClose(new double[] {0.5, 0.5, -2, 0, 0.5, 0.5}, a, 1e-6, "whitened");
    }
  }

  @Test
  void badOptionsAndAMissingReferenceAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RlooOptions(0, 0.05, true));
    assertThrows(IllegalArgumentException.class, () -> new RlooOptions(0.2, -1, true));
    try (PointerScope s = new PointerScope()) {
      Rollout noRef = new Rollout(dbl(LP, 3, 2), null, null, dbl(MASK, 3, 2), vec(1, 0, 0.5), null, null);
      var e = assertThrows(IllegalArgumentException.class, () -> rloo(0.5, false).advantages(noRef));
      assertTrue(e.getMessage().contains("reference"), e.getMessage());
      assertFalse(rloo(0, false).needsReference());
    }
  }
}
