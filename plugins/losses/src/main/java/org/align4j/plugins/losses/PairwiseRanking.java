package org.align4j.plugins.losses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.Rating;
import org.align4j.api.loss.RewardModelLoss;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Binary ranking loss over every ordered pair (better i, worse j) of a row:
 * {@code -log(sigmoid(r_i - r_j - m(rating)))}, averaged over all valid pairs of the batch. With two
 * responses per row this is Llama 2's loss; with three (edited &gt; chosen &gt; rejected) and no margin it is
 * Llama 3's.
 *
 * <p>Diagnostics: {@code loss}, {@code accuracy} (fraction of pairs with {@code r_i > r_j}), {@code margin}
 * (mean {@code r_i - r_j}), {@code chosen_score} (mean score of the best response), {@code rejected_score}
 * (mean score of each row's last valid response), {@code pairs}, and with ratings {@code
 * accuracy/<rating>} and {@code pairs/<rating>} for the ratings present.
 */
final class PairwiseRanking implements RewardModelLoss {
  private final Map<Rating, Double> margins;

  /** @param margins the margin per rating; {@code null} for none */
  PairwiseRanking(Map<Rating, Double> margins) {
    this.margins = margins;
  }

  @Override
  public boolean needsRatings() {
    return margins != null;
  }

  @Override
  public LossResult compute(RankingBatch batch) {
    int b = (int) batch.rows();
    int k = (int) batch.responses();
    double[] rowMargin = new double[b];
    List<Rating> ratings = batch.ratings();
    if (margins != null) {
      if (ratings == null) {
        throw new IllegalArgumentException("this ranking loss has a margin per rating, but the batch has no ratings;"
            + " use margin: none (or ranking-multi) for data without ratings");
      }
      for (int i = 0; i < b; i++) {
        Rating r = ratings.get(i);
        if (r == null) {
          throw new IllegalArgumentException("row " + i + " has no rating; expected one of " + Rating.validKeys());
        }
        rowMargin[i] = margins.get(r);
      }
    }
    double[] pairMask = new double[k * k];
    for (int i = 0; i < k; i++) {
      for (int j = i + 1; j < k; j++) {
        pairMask[i * k + j] = 1.0;
      }
    }
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      Tensor s = batch.scores();
      Tensor diff = s.unsqueeze(2).sub(s.unsqueeze(1)); // [B, K, K]: r_i - r_j
      Tensor mask = Tensors.like(s, pairMask, 1, k, k).expand(b, k, k);
      if (batch.valid() != null) {
        Tensor v = Tensors.maskLike(batch.valid(), s);
        mask = mask.mul(v.unsqueeze(2)).mul(v.unsqueeze(1));
      }
      Tensor z = diff;
      if (margins != null) {
        z = diff.sub(Tensors.like(s, rowMargin, b, 1, 1));
      }
      Tensor terms = torch.log_sigmoid(z).neg();
      Tensor n = mask.sum();
      Tensor loss = terms.mul(mask).sum().div(n.clamp_min(new Scalar(1.0)));
      Map<String, Double> d = diagnostics(batch, ratings, b, k);
      d.put("loss", Tensors.item(loss));
      return new LossResult(Tensors.keep(outer, loss), d);
    }
  }

  private static Map<String, Double> diagnostics(RankingBatch batch, List<Rating> ratings, int b, int k) {
    double[] s = Tensors.toDoubles(batch.scores());
    double[] v = batch.valid() == null ? null : Tensors.toDoubles(batch.valid());
    long pairs = 0;
    long right = 0;
    double margin = 0;
    double chosen = 0;
    double rejected = 0;
    int rows = 0;
    Map<Rating, long[]> perRating = new LinkedHashMap<>();
    for (int r = 0; r < b; r++) {
      int last = -1;
      for (int i = 0; i < k; i++) {
        if (v == null || v[r * k + i] != 0) {
          last = i;
        }
      }
      if (last < 1) {
        continue;
      }
      rows++;
      chosen += s[r * k];
      rejected += s[r * k + last];
      for (int i = 0; i < k; i++) {
        for (int j = i + 1; j < k; j++) {
          if (v != null && (v[r * k + i] == 0 || v[r * k + j] == 0)) {
            continue;
          }
          double dd = s[r * k + i] - s[r * k + j];
          pairs++;
          margin += dd;
          boolean ok = dd > 0;
          if (ok) {
            right++;
          }
          if (ratings != null && ratings.get(r) != null) {
            long[] c = perRating.computeIfAbsent(ratings.get(r), x -> new long[2]);
            c[0]++;
            c[1] += ok ? 1 : 0;
          }
        }
      }
    }
    Map<String, Double> d = new LinkedHashMap<>();
    d.put("accuracy", pairs == 0 ? Double.NaN : (double) right / pairs);
    d.put("margin", pairs == 0 ? Double.NaN : margin / pairs);
    d.put("chosen_score", rows == 0 ? Double.NaN : chosen / rows);
    d.put("rejected_score", rows == 0 ? Double.NaN : rejected / rows);
    d.put("pairs", (double) pairs);
    for (Rating r : Rating.values()) {
      long[] c = perRating.get(r);
      if (c != null) {
        d.put("accuracy/" + r.key(), (double) c[1] / c[0]);
        d.put("pairs/" + r.key(), (double) c[0]);
      }
    }
    return d;
  }
}
