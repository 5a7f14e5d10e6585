package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class PpoLossTest extends TorchTestSupport {
  static PolicyLoss ppo(double entropyCoef, double klCoef, double gamma, double lambda, boolean whiten) {
    return new PpoLossProvider().create(new PpoOptions(0.2, 0.2, 0.1, entropyCoef, klCoef, gamma, lambda, whiten));
  }

  /**
   * Three episodes, gamma 0.9, lambda 0.8 (gamma lambda = 0.72), worked by hand:
   * <pre>
   * row 0, terminated:        r = [0, 0, 1],   V = [0.5, 0.6, 0.7]
   *   t2: delta = 1 - 0.7 = 0.3                         A = 0.3
   *   t1: delta = 0 + 0.9*0.7 - 0.6 = 0.03              A = 0.03 + 0.72*0.3 = 0.246
   *   t0: delta = 0 + 0.9*0.6 - 0.5 = 0.04              A = 0.04 + 0.72*0.246 = 0.21712
   * row 1, truncated, V(after) = 2, last token padding: r = [0.5, -1, pad], V = [1, 0, pad]
   *   t1: delta = -1 + 0.9*2 - 0 = 0.8                  A = 0.8
   *   t0: delta = 0.5 + 0.9*0 - 1 = -0.5                A = -0.5 + 0.72*0.8 = 0.076
   * row 2, terminated, a masked hole at t1: r = [0, hole, 2], V = [0.1, hole, 0.3]
   *   t2: delta = 2 - 0.3 = 1.7                         A = 1.7
   *   t0: delta = 0 + 0.9*0.3 - 0.1 = 0.17              A = 0.17 + 0.72*1.7 = 1.394
   * </pre>
   * Returns are A + V.
   */
  static final double[] R = {0, 0, 1, 0.5, -1, 123, 0, 55, 2};
  static final double[] V = {0.5, 0.6, 0.7, 1.0, 0.0, -9, 0.1, 77, 0.3};
  static final double[] M = {1, 1, 1, 1, 1, 0, 1, 0, 1};
  static final double[] A = {0.21712, 0.246, 0.3, 0.076, 0.8, 0, 1.394, 0, 1.7};
  static final double[] RET = {0.71712, 0.846, 1.0, 1.076, 0.8, 0, 1.494, 0, 2.0};

  @Test
  void gaeMatchesAHandWorkedTrajectory() {
    Gae.Result g = Gae.compute(R, V, M, 3, 3, new boolean[] {true, false, true}, new double[] {99, 2.0, 99}, 0.9, 0.8);
    assertAllClose(A, g.advantages(), 1e-12, "advantages");
    assertAllClose(RET, g.returns(), 1e-12, "returns");
    // Treating the truncated row as terminated drops the bootstrap: A1 = -1 - 0 = -1, A0 = -0.5 + 0.72 * -1.
    Gae.Result t = Gae.compute(R, V, M, 3, 3, null, null, 0.9, 0.8);
    assertClose(-1.0, t.advantages()[4], 1e-12, "terminated t1");
    assertClose(-0.5 - 0.72, t.advantages()[3], 1e-12, "terminated t0");
  }

  @Test
  void rolloutFoldsTheKlPenaltyIntoRewardsBeforeGae() {
    // Shaped rewards are -beta (logp - ref) per token plus the score at the row's last unmasked token.
    double beta = 0.5;
    double[] logp = {-1.0, -2.0, -0.5, -1.0, -0.2, 4.0, -3.0, 8.0, -1.0};
    double[] ref = {-1.0, -2.0, -0.5, -2.0, 1.8, -4.0, -3.0, 1.0, -1.0};
    // row 0: kl = 0 everywhere, score 1 -> r = [0, 0, 1]
    // row 1: kl = [1, -2] -> [-0.5, 1], score -2 at t1 -> r = [-0.5, -1]; t2 is padding
    // row 2: kl = 0, t1 is a hole, score 2 at t2 -> r = [0, 0, 2]
    double[] scores = {1.0, -2.0, 2.0};
    double[] expectedRewards = {0, 0, 1, -0.5, 1 - 2.0, 0, 0, 0, 2};
    try (PointerScope s = new PointerScope()) {
      Rollout r = new Rollout(dbl(logp, 3, 3), dbl(ref, 3, 3), dbl(V, 3, 3), dbl(M, 3, 3), vec(scores),
          vec(1, 0, 1), vec(0, 2.0, 0));
      Advantages a = ppo(0, beta, 0.9, 0.8, false).advantages(r);
      assertAllClose(expectedRewards, Tensors.toDoubles(a.rewards()), 1e-12, "shaped rewards");
      Gae.Result g = Gae.compute(expectedRewards, V, M, 3, 3, new boolean[] {true, false, true},
          new double[] {0, 2.0, 0}, 0.9, 0.8);
      assertAllClose(g.advantages(), Tensors.toDoubles(a.advantages()), 1e-12, "advantages");
      assertAllClose(g.returns(), Tensors.toDoubles(a.returns()), 1e-12, "returns");
      // row 1 by hand: t1: delta = -1 + 0.9*2 - 0 = 0.8; t0: delta = -0.5 + 0 - 1 = -1.5, A = -1.5 + 0.72*0.8
      assertClose(-1.5 + 0.72 * 0.8, Tensors.toDoubles(a.advantages())[3], 1e-12, "row 1 t0 by hand");
      assertClose((0 + (1 - 2) + 0) / 3.0, a.diagnostics().get("kl"), 1e-12, "kl: mean per-sequence sum");
      assertClose(1.0 / 3, a.diagnostics().get("truncated"), 1e-12, "truncated fraction");
      assertClose(7.0 / 3, a.diagnostics().get("response_length"), 1e-12, "length");

      // Whitened: (A - mean) / sqrt(var + 1e-8) over the 7 unmasked tokens.
      Advantages w = ppo(0, beta, 0.9, 0.8, true).advantages(r);
      double[] raw = g.advantages();
      double mean = 0;
      for (int i = 0; i < 9; i++) {
        mean += M[i] * raw[i] / 7;
      }
      double var = 0;
      for (int i = 0; i < 9; i++) {
        var += M[i] * (raw[i] - mean) * (raw[i] - mean) / 7;
      }
      double[] expected = new double[9];
      for (int i = 0; i < 9; i++) {
        expected[i] = M[i] * (raw[i] - mean) / Math.sqrt(var + 1e-8);
      }
      assertAllClose(expected, Tensors.toDoubles(w.advantages()), 1e-12, "whitened advantages");
      assertAllClose(g.returns(), Tensors.toDoubles(w.returns()), 1e-12, "returns are not whitened");
    }
  }

  // One row of three tokens, the last is padding whose values must not matter.
  static final double[] LP = {-1.0, -2.0, 0.0};
  static final double[] OLD = {-1.1, -1.5, 0.0};
  static final double[] ADV = {1.0, -0.5, 0.0};
  static final double[] VAL = {0.5, 1.0, 0.0};
  static final double[] OLDV = {0.2, 1.1, 0.0};
  static final double[] RT = {1.0, 0.0, 0.0};
  static final double[] ENT = {1.2, 0.8, 0.0};
  static final double[] MASK = {1, 1, 0};

  static PolicyBatch batch(Tensor lp, Tensor v, double[] pad) {
    double[] old = OLD.clone();
    double[] adv = ADV.clone();
    double[] oldv = OLDV.clone();
    double[] rt = RT.clone();
    double[] ent = ENT.clone();
    old[2] = pad[0];
    adv[2] = pad[1];
    oldv[2] = pad[2];
    rt[2] = pad[3];
    ent[2] = pad[4];
    return new PolicyBatch(lp, dbl(old, 1, 3), null, v, dbl(oldv, 1, 3), dbl(adv, 1, 3), dbl(rt, 1, 3),
        dbl(MASK, 1, 3), dbl(ent, 1, 3));
  }

  @Test
  void clippedSurrogateValueLossAndEntropyMatchTheFormula() {
    try (PointerScope s = new PointerScope()) {
      LossResult r = ppo(0.01, 0.01, 1, 0.95, true).compute(batch(dbl(LP, 1, 3), dbl(VAL, 1, 3), new double[5]));
      // token 0: ratio e^0.1 = 1.10517 inside [0.8, 1.2]: -A ratio = -e^0.1
      // token 1: ratio e^-0.5 = 0.60653 below 0.8, A < 0: max(0.5 * 0.60653, 0.5 * 0.8) = 0.4 (clipped)
      double policy = (-Math.exp(0.1) + 0.4) / 2;
      // token 0: V - V_old = 0.3 clipped to 0.2 -> 0.4; max((0.5-1)^2, (0.4-1)^2) = 0.36; token 1: (1-0)^2 = 1
      double value = 0.5 * (0.36 + 1.0) / 2;
      double entropy = (1.2 + 0.8) / 2;
      assertClose(policy + 0.1 * value - 0.01 * entropy, Tensors.item(r.loss()), 1e-12, "loss");
      assertClose(policy, r.diagnostic("policy_loss"), 1e-12, "policy loss");
      assertClose(value, r.diagnostic("value_loss"), 1e-12, "value loss");
      assertClose(entropy, r.diagnostic("entropy"), 1e-12, "entropy");
      assertClose(0.5, r.diagnostic("clip_fraction"), 0, "clip fraction");
      assertClose(0.5, r.diagnostic("value_clip_fraction"), 0, "value clip fraction");
      assertClose(0.5 * (0.01 + 0.25) / 2, r.diagnostic("approx_kl"), 1e-12, "approx kl");
      assertClose((Math.exp(0.1) + Math.exp(-0.5)) / 2, r.diagnostic("ratio"), 1e-12, "ratio");
      // returns [1, 0], values [0.5, 1]: Var(R) = 0.25, R - V = [0.5, -1], Var = 0.5625
      assertClose(1 - 0.5625 / 0.25, r.diagnostic("explained_variance"), 1e-12, "explained variance");
    }
  }

  @Test
  void paddingChangesNothing() {
    PolicyLoss loss = ppo(0.01, 0.01, 1, 0.95, true);
    try (PointerScope s = new PointerScope()) {
      double[] lp2 = LP.clone();
      double[] v2 = VAL.clone();
      lp2[2] = 3.0;
      v2[2] = -40;
      Tensor a = param(LP, 1, 3);
      Tensor va = param(VAL, 1, 3);
      Tensor b = param(lp2, 1, 3);
      Tensor vb = param(v2, 1, 3);
      LossResult ra = loss.compute(batch(a, va, new double[5]));
      LossResult rb = loss.compute(batch(b, vb, new double[] {-7, 100, 5, -3, 9}));
      assertEquals(Tensors.item(ra.loss()), Tensors.item(rb.loss()), 1e-15);
      assertEquals(ra.diagnostics(), rb.diagnostics());
      ra.loss().backward();
      rb.loss().backward();
      assertAllClose(Tensors.toDoubles(a.grad()), Tensors.toDoubles(b.grad()), 1e-15, "policy grads");
      assertAllClose(Tensors.toDoubles(va.grad()), Tensors.toDoubles(vb.grad()), 1e-15, "value grads");
      assertEquals(0.0, Tensors.toDoubles(b.grad())[2], 0.0, "no gradient into padding");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    PolicyLoss loss = ppo(0.05, 0.01, 1, 0.95, true);
    // Two rows, every token away from the clip boundaries; some inside, some clipped (zero gradient there).
    double[] old = {-1.0, -2.0, -0.5, -1.5, -0.7, -2.2};
    double[] adv = {1.0, -0.7, 0.4, -1.2, 2.0, 0.3};
    double[] oldv = {0.1, 0.2, -0.3, 0.5, 1.0, 0.0};
    double[] ret = {0.4, -0.2, 0.3, 1.0, 0.2, -0.5};
    double[] mask = {1, 1, 1, 1, 1, 0};
    double[] ent = {1.0, 0.5, 0.7, 0.9, 1.1, 0.3};
    // x = [logp (2x3); values (2x3)]
    double[] x0 = {-0.95, -2.3, -0.45, -1.1, -0.72, -2.0, 0.15, 0.5, -0.25, 0.45, 1.3, 0.0};
    checkGradient(x0, new long[] {2, 2, 3}, x -> {
      Tensor entropy = dbl(ent, 2, 3).add(x.select(0, 0).mul(new org.bytedeco.pytorch.Scalar(0.1)));
      return loss.compute(new PolicyBatch(x.select(0, 0), dbl(old, 2, 3), null, x.select(0, 1), dbl(oldv, 2, 3),
          dbl(adv, 2, 3), dbl(ret, 2, 3), dbl(mask, 2, 3), entropy)).loss();
    }, 1e-8);
  }

  @Test
  void badOptionsAndMissingInputsAreRefused() {
    var clip = assertThrows(IllegalArgumentException.class, () -> new PpoOptions(0, 0.2, 0.1, 0, 0.01, 1, 0.95, true));
    assertTrue(clip.getMessage().contains("clip must be in (0, 1)"), clip.getMessage());
    var kl = assertThrows(IllegalArgumentException.class, () -> new PpoOptions(0.2, 0.2, 0.1, 0, -0.01, 1, 0.95, true));
    assertTrue(kl.getMessage().contains("klCoef"), kl.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new PpoOptions(0.2, 0.2, 0.1, 0, 0.01, 1.5, 0.95, true));
    assertThrows(IllegalArgumentException.class, () -> new PpoOptions(0.2, 0.2, 0.1, 0, 0.01, 1, -0.1, true));
    assertThrows(IllegalArgumentException.class, () -> new PpoOptions(0.2, -1, 0.1, 0, 0.01, 1, 0.95, true));
    try (PointerScope s = new PointerScope()) {
      Rollout noRef = new Rollout(dbl(LP, 1, 3), null, dbl(VAL, 1, 3), dbl(MASK, 1, 3), vec(1.0), null, null);
      var e = assertThrows(IllegalArgumentException.class, () -> ppo(0, 0.01, 1, 0.95, true).advantages(noRef));
      assertTrue(e.getMessage().contains("reference"), e.getMessage());
      PolicyBatch noEntropy = new PolicyBatch(dbl(LP, 1, 3), dbl(OLD, 1, 3), null, dbl(VAL, 1, 3), dbl(OLDV, 1, 3),
          dbl(ADV, 1, 3), dbl(RT, 1, 3), dbl(MASK, 1, 3), null);
      var en = assertThrows(IllegalArgumentException.class, () -> ppo(0.01, 0.01, 1, 0.95, true).compute(noEntropy));
      assertTrue(en.getMessage().contains("entropy"), en.getMessage());
      var shape = assertThrows(IllegalArgumentException.class,
          () -> new Rollout(dbl(LP, 1, 3), null, dbl(VAL, 3, 1), dbl(MASK, 1, 3), vec(1.0), null, null));
      assertTrue(shape.getMessage().contains("values must be [1, 3]"), shape.getMessage());
    }
  }
}
