package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PreferenceBatch;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.SequenceLogProbs;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class PreferenceLossTest extends TorchTestSupport {
  // Two pairs with known summed log-probs. h = (pc - rc) - (pr - rr) = 0.7 and -0.5.
  static final double[] PC = {-5.0, -7.0};
  static final double[] PR = {-6.0, -5.5};
  static final double[] RC = {-5.5, -7.0};
  static final double[] RR = {-5.8, -6.0};
  static final double[] NC = {4, 5};
  static final double[] NR = {3, 6};
  static final double[] H = {0.7, -0.5};

  static PreferenceLoss dpo(double beta, double smoothing, double nll) {
    return new DpoLossProvider().create(new DpoOptions(beta, smoothing, nll));
  }

  static PreferenceBatch batch(Tensor pc, Tensor pr) {
    return new PreferenceBatch(new SequenceLogProbs(pc, vec(NC)), new SequenceLogProbs(pr, vec(NR)), vec(RC), vec(RR));
  }

  @Test
  void dpoMatchesTheFormula() {
    try (PointerScope s = new PointerScope()) {
      LossResult r = dpo(0.1, 0.0, 0.0).compute(batch(vec(PC), vec(PR)));
      double expected = (nls(0.1 * 0.7) + nls(0.1 * -0.5)) / 2;
      // python3: (math.log1p(math.exp(-0.07)) + math.log1p(math.exp(0.05))) / 2
      assertClose(0.6886096017809917, expected, 1e-12, "by hand");
      assertClose(expected, Tensors.item(r.loss()), 1e-12, "loss");
      assertClose(0.5, r.diagnostic("accuracy"), 0, "accuracy");
      assertClose(0.1 * (0.7 - 0.5) / 2, r.diagnostic("margin"), 1e-12, "margin");
      assertClose(0.1 * (0.5 + 0.0) / 2, r.diagnostic("chosen_reward"), 1e-12, "chosen reward");
      assertClose(0.1 * (-0.2 + 0.5) / 2, r.diagnostic("rejected_reward"), 1e-12, "rejected reward");
      assertClose(-6.0, r.diagnostic("logp_chosen"), 1e-12, "logp chosen");
      assertClose(-5.75, r.diagnostic("logp_rejected"), 1e-12, "logp rejected");
      assertClose((5.0 / 4 + 7.0 / 5) / 2, r.diagnostic("nll"), 1e-12, "nll is reported even with weight 0");
    }
  }

  @Test
  void concatenatedRowsSplitIntoChosenAndRejected() {
    try (PointerScope s = new PointerScope()) {
      var all = new SequenceLogProbs(vec(PC[0], PC[1], PR[0], PR[1]), vec(NC[0], NC[1], NR[0], NR[1]));
      var b = PreferenceBatch.concatenated(all, vec(RC[0], RC[1], RR[0], RR[1]));
      double expected = Tensors.item(dpo(0.1, 0.0, 0.2).compute(batch(vec(PC), vec(PR))).loss());
      assertEquals(expected, Tensors.item(dpo(0.1, 0.0, 0.2).compute(b).loss()), 1e-15);
    }
  }

  @Test
  void labelSmoothingAndNllTerm() {
    try (PointerScope s = new PointerScope()) {
      double beta = 0.5;
      double eps = 0.1;
      double expected = 0;
      for (double h : H) {
        expected += ((1 - eps) * nls(beta * h) + eps * nls(-beta * h)) / 2;
      }
      double nll = (5.0 / 4 + 7.0 / 5) / 2; // -pi_c / |c|, averaged over pairs
      LossResult r = dpo(beta, eps, 0.2).compute(batch(vec(PC), vec(PR)));
      assertClose(expected + 0.2 * nll, Tensors.item(r.loss()), 1e-12, "cDPO + 0.2 NLL");
      assertClose(expected, r.diagnostic("preference_loss"), 1e-12, "preference part");
      assertClose(nll, r.diagnostic("nll"), 1e-12, "nll");
    }
  }

  @Test
  void dpoGradientMatchesFiniteDifferencesAndTheFormula() {
    PreferenceLoss loss = dpo(0.1, 0.1, 0.2);
    double[] x0 = {PC[0], PC[1], PR[0], PR[1]};
    checkGradient(x0, new long[] {2, 2}, x -> loss.compute(batch(x.select(0, 0), x.select(0, 1))).loss(), 1e-8);
    // d/d pc_i = [-(1-eps) beta sigmoid(-beta h) + eps beta sigmoid(beta h)] / n - w / (n |c_i|)
    try (PointerScope s = new PointerScope()) {
      Tensor pc = param(PC, 2);
      Tensor pr = param(PR, 2);
      loss.compute(batch(pc, pr)).loss().backward();
      double[] gc = Tensors.toDoubles(pc.grad());
      double[] gr = Tensors.toDoubles(pr.grad());
      for (int i = 0; i < 2; i++) {
        double dh = (-(0.9) * 0.1 * sigmoid(-0.1 * H[i]) + 0.1 * 0.1 * sigmoid(0.1 * H[i])) / 2;
        assertClose(dh - 0.2 / (2 * NC[i]), gc[i], 1e-12, "d/d pi_chosen " + i);
        assertClose(-dh, gr[i], 1e-12, "d/d pi_rejected " + i);
      }
    }
  }

  @Test
  void ipoMatchesTheFormula() {
    try (PointerScope s = new PointerScope()) {
      PreferenceBatch b = batch(vec(PC), vec(PR));
      double beta = 0.25; // target gap 1 / (2 beta) = 2
      double summed = (Math.pow(0.7 - 2, 2) + Math.pow(-0.5 - 2, 2)) / 2;
      var ipoSum = new IpoLossProvider().create(new IpoOptions(beta, false, 0.0));
      assertClose(summed, Tensors.item(ipoSum.compute(b).loss()), 1e-12, "ipo on sums");
      // length-normalised: h = (pc - rc)/|c| - (pr - rr)/|r|
      double h0 = 0.5 / 4 - (-0.2) / 3;
      double h1 = 0.0 / 5 - 0.5 / 6;
      double averaged = (Math.pow(h0 - 2, 2) + Math.pow(h1 - 2, 2)) / 2;
      var ipo = new IpoLossProvider().create(new IpoOptions(beta, true, 0.0));
      assertClose(averaged, Tensors.item(ipo.compute(b).loss()), 1e-12, "ipo on averages");
    }
  }

  /** Two rows, five tokens, vocabulary 3; the loss mask keeps tokens 2-3 of row 0 and 1-4 of row 1. */
  static final double[] LOGITS = {
    0.1, 0.2, 0.3, 1.0, -1.0, 0.5, 0.0, 0.0, 2.0, -0.5, 0.3, 0.1, 9.0, 9.0, 9.0,
    0.4, -0.2, 0.0, 1.5, 0.5, -1.0, 0.2, 0.2, 0.9, -0.3, 0.8, 0.1, 0.6, -0.6, 0.0};
  static final long[] IDS = {2, 0, 2, 1, 7, 1, 0, 2, 1, 0};
  static final long[] MASK = {0, 0, 1, 1, 0, 0, 1, 1, 1, 1};

  static double logSoftmax(double[] l, int row, int pos, int token) {
    int o = (row * 5 + pos) * 3;
    double m = Math.max(l[o], Math.max(l[o + 1], l[o + 2]));
    double lse = m + Math.log(Math.exp(l[o] - m) + Math.exp(l[o + 1] - m) + Math.exp(l[o + 2] - m));
    return l[o + token] - lse;
  }

  @Test
  void sequenceLogProbsSumTheMaskedTargetsOnly() {
    try (PointerScope s = new PointerScope()) {
      SequenceLogProbs lp = LogProbs.sequence(dbl(LOGITS, 2, 5, 3), Tensor.create(IDS, 2, 5), Tensor.create(MASK, 2, 5));
      // row 0 targets: token 2 (id 2) from logits at 1, token 3 (id 1) from logits at 2; id 7 at pos 4 is masked padding
      double row0 = logSoftmax(LOGITS, 0, 1, 2) + logSoftmax(LOGITS, 0, 2, 1);
      double row1 = logSoftmax(LOGITS, 1, 0, 0) + logSoftmax(LOGITS, 1, 1, 2) + logSoftmax(LOGITS, 1, 2, 1)
          + logSoftmax(LOGITS, 1, 3, 0);
      assertAllClose(new double[] {row0, row1}, Tensors.toDoubles(lp.sum()), 1e-12, "sums");
      assertAllClose(new double[] {2, 4}, Tensors.toDoubles(lp.count()), 0, "counts");
      // Logits at positions whose next token is not a target, and the padding id, change nothing.
      double[] other = LOGITS.clone();
      for (int i = 9; i < 15; i++) {
        other[i] = -3.0 * i; // row 0, positions 3-4 predict the masked padding / nothing
      }
      for (int i = 27; i < 30; i++) {
        other[i] = 5.0; // row 1, last position predicts nothing
      }
      long[] ids = IDS.clone();
      ids[4] = -100;
      SequenceLogProbs lp2 = LogProbs.sequence(dbl(other, 2, 5, 3), Tensor.create(ids, 2, 5), Tensor.create(MASK, 2, 5));
      assertAllClose(Tensors.toDoubles(lp.sum()), Tensors.toDoubles(lp2.sum()), 0, "masked positions are inert");
    }
  }

  @Test
  void dpoFromLogitsGradientMatchesFiniteDifferences() {
    // Chosen = row 0 of LOGITS, rejected = row 1; reference log-probs fixed.
    PreferenceLoss loss = dpo(0.1, 0.0, 0.2);
    checkGradient(LOGITS, new long[] {2, 5, 3}, x -> {
      SequenceLogProbs all = LogProbs.sequence(x, Tensor.create(IDS, 2, 5), Tensor.create(MASK, 2, 5));
      SequenceLogProbs c = new SequenceLogProbs(all.sum().narrow(0, 0, 1), all.count().narrow(0, 0, 1));
      SequenceLogProbs r = new SequenceLogProbs(all.sum().narrow(0, 1, 1), all.count().narrow(0, 1, 1));
      return loss.compute(new PreferenceBatch(c, r, vec(-2.0), vec(-4.5))).loss();
    }, 1e-8);
  }

  @Test
  void badOptionsAreRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> new DpoOptions(-0.1, 0, 0));
    assertTrue(e.getMessage().contains("beta must be") && e.getMessage().contains("-0.1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DpoOptions(0.0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new DpoOptions(Double.NaN, 0, 0));
    var ls = assertThrows(IllegalArgumentException.class, () -> new DpoOptions(0.1, 0.5, 0));
    assertTrue(ls.getMessage().contains("[0, 0.5)"), ls.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DpoOptions(0.1, 0, -0.2));
    assertThrows(IllegalArgumentException.class, () -> new IpoOptions(-1, true, 0));
    try (PointerScope s = new PointerScope()) {
      var noRef = new PreferenceBatch(new SequenceLogProbs(vec(PC), vec(NC)), new SequenceLogProbs(vec(PR), vec(NR)),
          null, null);
      var m = assertThrows(IllegalArgumentException.class, () -> dpo(0.1, 0, 0).compute(noRef));
      assertTrue(m.getMessage().contains("reference"), m.getMessage());
    }
  }

  @Test
  void providersAreFoundById() {
    var ids = new java.util.TreeSet<String>();
    java.util.ServiceLoader.load(org.align4j.api.loss.PreferenceLossProvider.class).forEach(p -> ids.add(p.id()));
    assertEquals(java.util.Set.of("dpo", "ipo"), ids);
    var rm = new java.util.TreeSet<String>();
    java.util.ServiceLoader.load(org.align4j.api.loss.RewardModelLossProvider.class).forEach(p -> rm.add(p.id()));
    assertEquals(java.util.Set.of("ranking", "ranking-multi"), rm);
    var policy = new java.util.TreeSet<String>();
    java.util.ServiceLoader.load(org.align4j.api.loss.PolicyLossProvider.class).forEach(p -> policy.add(p.id()));
    assertEquals(java.util.Set.of("ppo", "rloo"), policy);
  }
}
