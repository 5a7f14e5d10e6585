package org.align4j.plugins.losses;

import static org.align4j.api.loss.Rating.BETTER;
import static org.align4j.api.loss.Rating.NEGLIGIBLY_BETTER;
import static org.align4j.api.loss.Rating.SIGNIFICANTLY_BETTER;
import static org.align4j.api.loss.Rating.SLIGHTLY_BETTER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.align4j.api.NoOptions;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.Rating;
import org.align4j.api.loss.RewardModelLoss;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class RankingLossTest extends TorchTestSupport {
  static final List<Rating> RATINGS = List.of(SIGNIFICANTLY_BETTER, BETTER, SLIGHTLY_BETTER, NEGLIGIBLY_BETTER);
  static final double[] CHOSEN = {2.0, 0.5, -1.0, 0.25};
  static final double[] REJECTED = {1.0, 1.0, -3.0, 0.0};

  static RewardModelLoss ranking(String margin) {
    return new RankingLossProvider().create(new RankingOptions(margin, null));
  }

  @Test
  void smallMarginMatchesTheFormula() {
    try (PointerScope s = new PointerScope()) {
      LossResult r = ranking("small").compute(RankingBatch.pairs(vec(CHOSEN), vec(REJECTED), RATINGS));
      // z = r_c - r_r - m with m = 1, 2/3, 1/3, 0
      double[] z = {2.0 - 1.0 - 1.0, 0.5 - 1.0 - 2.0 / 3.0, -1.0 + 3.0 - 1.0 / 3.0, 0.25 - 0.0 - 0.0};
      double expected = (nls(z[0]) + nls(z[1]) + nls(z[2]) + nls(z[3])) / 4;
      // the same numbers written out (python3 math.log1p(math.exp(x))): ln 2, ln(1+e^(7/6)), ln(1+e^(-5/3)), ln(1+e^(-1/4))
      assertClose(0.6931471805599453, nls(z[0]), 1e-15, "ln 2");
      assertClose((0.6931471805599453 + 1.4377643938872644 + 0.17300798888583907 + 0.5759394198788436) / 4, expected, 1e-12, "by hand");
      assertClose(expected, Tensors.item(r.loss()), 1e-12, "loss");
      assertClose(expected, r.diagnostic("loss"), 1e-12, "loss diagnostic");
      assertClose(0.75, r.diagnostic("accuracy"), 0, "accuracy: 3 of 4 pairs ordered right");
      assertClose((1.0 - 0.5 + 2.0 + 0.25) / 4, r.diagnostic("margin"), 1e-12, "margin");
      assertClose(Arrays.stream(CHOSEN).average().orElseThrow(), r.diagnostic("chosen_score"), 1e-12, "chosen");
      assertClose(Arrays.stream(REJECTED).average().orElseThrow(), r.diagnostic("rejected_score"), 1e-12, "rejected");
      assertClose(0.0, r.diagnostic("accuracy/better"), 0, "better pair is wrong");
      assertClose(1.0, r.diagnostic("accuracy/significantly_better"), 0, "significantly better pair is right");
      assertClose(1.0, r.diagnostic("pairs/slightly_better"), 0, "pair count");
    }
  }

  @Test
  void largeAndNoMarginAndExplicitTable() {
    try (PointerScope s = new PointerScope()) {
      RankingBatch b = RankingBatch.pairs(vec(CHOSEN), vec(REJECTED), RATINGS);
      double large = (nls(1.0 - 3.0) + nls(-0.5 - 2.0) + nls(2.0 - 1.0) + nls(0.25)) / 4;
      assertClose(large, Tensors.item(ranking("large").compute(b).loss()), 1e-12, "large");
      double none = (nls(1.0) + nls(-0.5) + nls(2.0) + nls(0.25)) / 4;
      assertClose(none, Tensors.item(ranking("none").compute(b).loss()), 1e-12, "none");
      var explicit = new RankingLossProvider().create(new RankingOptions(null,
          Map.of("significantly_better", 0.5, "better", 0.25, "slightly-better", 0.125, "marginally_better", 0.0)));
      double ex = (nls(1.0 - 0.5) + nls(-0.5 - 0.25) + nls(2.0 - 0.125) + nls(0.25)) / 4;
      assertClose(ex, Tensors.item(explicit.compute(b).loss()), 1e-12, "explicit");
      // Without ratings a margin loss refuses; a margin-free one works.
      RankingBatch unrated = RankingBatch.pairs(vec(CHOSEN), vec(REJECTED), null);
      var e = assertThrows(IllegalArgumentException.class, () -> ranking("small").compute(unrated));
      assertTrue(e.getMessage().contains("ratings"), e.getMessage());
      assertClose(none, Tensors.item(ranking("none").compute(unrated).loss()), 1e-12, "none without ratings");
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesAndTheFormula() {
    RewardModelLoss loss = ranking("small");
    double[] x0 = new double[8];
    for (int i = 0; i < 4; i++) {
      x0[2 * i] = CHOSEN[i];
      x0[2 * i + 1] = REJECTED[i];
    }
    checkGradient(x0, new long[] {4, 2}, x -> loss.compute(new RankingBatch(x, null, RATINGS)).loss(), 1e-8);
    // d/d r_c of mean(-log sigmoid(z)) is -sigmoid(-z) / n, and the opposite for r_r.
    try (PointerScope s = new PointerScope()) {
      Tensor x = param(x0, 4, 2);
      loss.compute(new RankingBatch(x, null, RATINGS)).loss().backward();
      double[] g = Tensors.toDoubles(x.grad());
      double[] m = RankingOptions.SMALL;
      for (int i = 0; i < 4; i++) {
        double z = CHOSEN[i] - REJECTED[i] - m[i];
        assertClose(-sigmoid(-z) / 4, g[2 * i], 1e-12, "grad chosen " + i);
        assertClose(sigmoid(-z) / 4, g[2 * i + 1], 1e-12, "grad rejected " + i);
      }
    }
  }

  @Test
  void multiRankingAveragesPairwiseTermsAndIgnoresMissingResponses() {
    RewardModelLoss multi = new MultiRankingLossProvider().create(new NoOptions());
    // row 0: edited 3 > chosen 1 > rejected 0 (pairs: 2, 3, 1); row 1: two responses only, wrongly ordered (-1)
    double[] scores = {3.0, 1.0, 0.0, 0.5, 1.5, 99.0};
    double[] valid = {1, 1, 1, 1, 1, 0};
    double expected = (nls(2.0) + nls(3.0) + nls(1.0) + nls(-1.0)) / 4;
    try (PointerScope s = new PointerScope()) {
      LossResult r = multi.compute(new RankingBatch(dbl(scores, 2, 3), dbl(valid, 2, 3), null));
      assertClose(expected, Tensors.item(r.loss()), 1e-12, "ranking-multi");
      assertClose(0.75, r.diagnostic("accuracy"), 0, "accuracy");
      assertClose((2.0 + 3.0 + 1.0 - 1.0) / 4, r.diagnostic("margin"), 1e-12, "margin");
      assertClose((0.0 + 1.5) / 2, r.diagnostic("rejected_score"), 1e-12, "last valid response");
      assertClose(4, r.diagnostic("pairs"), 0, "pairs");
    }
    // Padding: whatever the missing response holds changes neither loss nor gradients, and gets no gradient.
    double[] padded = scores.clone();
    padded[5] = -7.0;
    try (PointerScope s = new PointerScope()) {
      Tensor a = param(scores, 2, 3);
      Tensor b = param(padded, 2, 3);
      Tensor la = multi.compute(new RankingBatch(a, dbl(valid, 2, 3), null)).loss();
      Tensor lb = multi.compute(new RankingBatch(b, dbl(valid, 2, 3), null)).loss();
      assertEquals(Tensors.item(la), Tensors.item(lb), 0.0);
      la.backward();
      lb.backward();
      double[] ga = Tensors.toDoubles(a.grad());
      assertAllClose(ga, Tensors.toDoubles(b.grad()), 0.0, "gradients");
      assertEquals(0.0, ga[5], 0.0, "no gradient into a missing response");
    }
    checkGradient(scores, new long[] {2, 3},
        x -> multi.compute(new RankingBatch(x, dbl(valid, 2, 3), null)).loss(), 1e-8);
  }

  @Test
  void twoResponseMultiEqualsMarginFreeRanking() {
    try (PointerScope s = new PointerScope()) {
      RankingBatch b = RankingBatch.pairs(vec(CHOSEN), vec(REJECTED), null);
      double multi = Tensors.item(new MultiRankingLossProvider().create(new NoOptions()).compute(b).loss());
      assertEquals(Tensors.item(ranking("none").compute(b).loss()), multi, 1e-15);
    }
  }

  @Test
  void badOptionsAreRefusedWithTheFix() {
    var unknown = assertThrows(IllegalArgumentException.class, () -> new RankingOptions("medium", null));
    assertTrue(unknown.getMessage().contains("'medium'") && unknown.getMessage().contains("small, large or none"),
        unknown.getMessage());
    var missing = assertThrows(IllegalArgumentException.class,
        () -> new RankingOptions(null, Map.of("significantly_better", 1.0, "better", 0.5, "slightly_better", 0.2)));
    assertTrue(missing.getMessage().contains("missing rating level negligibly_better"), missing.getMessage());
    var bad = assertThrows(IllegalArgumentException.class, () -> new RankingOptions(null,
        Map.of("significantly_better", 1.0, "better", 0.5, "slightly_better", 0.2, "amazing", 0.0)));
    assertTrue(bad.getMessage().contains("unknown rating 'amazing'"), bad.getMessage());
    var negative = assertThrows(IllegalArgumentException.class, () -> new RankingOptions(null,
        Map.of("significantly_better", -1.0, "better", 0.5, "slightly_better", 0.2, "negligibly_better", 0.0)));
    assertTrue(negative.getMessage().contains(">= 0"), negative.getMessage());
    var both = assertThrows(IllegalArgumentException.class, () -> new RankingOptions("small",
        Map.of("significantly_better", 1.0, "better", 0.5, "slightly_better", 0.2, "negligibly_better", 0.0)));
    assertTrue(both.getMessage().contains("not both"), both.getMessage());
    assertEquals("small", new RankingOptions(null, null).margin(), "default table");
    assertThrows(IllegalArgumentException.class, () -> Rating.parse("great"));
  }
}
