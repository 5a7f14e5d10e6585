package org.align4j.api.loss;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Reward-model scores of ranked responses, one row per prompt.
 *
 * @param scores {@code [B, K]} scalar scores, best response first ({@code K = 2} for a chosen/rejected pair;
 *     {@code K = 3} for Llama 3's edited &gt; chosen &gt; rejected). Carries the gradient.
 * @param valid {@code [B, K]} bool or 0/1: which responses exist (a row with two responses in a batch of
 *     three-response rows). {@code null}: all exist. Invalid entries may hold any finite value.
 * @param ratings one per row: how much better the annotated chosen response is. {@code null} when the data
 *     has no ratings (then only margin-free losses apply). Losses with a margin apply it to every pairwise
 *     term of the row.
 */
public record RankingBatch(Tensor scores, Tensor valid, List<Rating> ratings) {
  public RankingBatch {
    if (scores == null || scores.dim() != 2 || scores.size(1) < 2) {
      throw new IllegalArgumentException("scores must be [batch, responses] with at least 2 responses per row, got "
          + (scores == null ? "null" : TensorShapes.of(scores)));
    }
    if (valid != null && (valid.dim() != 2 || valid.size(0) != scores.size(0) || valid.size(1) != scores.size(1))) {
      throw new IllegalArgumentException("valid must have the shape of scores " + TensorShapes.of(scores) + ", got "
          + TensorShapes.of(valid));
    }
    if (ratings != null) {
      if (ratings.size() != scores.size(0)) {
        throw new IllegalArgumentException("ratings has " + ratings.size() + " entries for " + scores.size(0) + " rows");
      }
      ratings = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(ratings));
    }
  }

  /** A batch of chosen/rejected pairs: {@code chosen} and {@code rejected} are {@code [B]}. */
  public static RankingBatch pairs(Tensor chosen, Tensor rejected, List<Rating> ratings) {
    try (TensorVector v = new TensorVector(chosen, rejected)) {
      return new RankingBatch(torch.stack(v, 1), null, ratings);
    }
  }

  /**
   * A batch read from per-position scores {@code [B, T]} (a reward model's {@code scores} over shared-prefix
   * rows): {@code positions[b]} are the indices of row b's responses' last tokens, best first, 2 or more per
   * row but not necessarily the same count; shorter rows are padded and marked invalid.
   */
  public static RankingBatch atPositions(Tensor scores, long[][] positions, List<Rating> ratings) {
    if (scores.dim() != 2 || scores.size(0) != positions.length) {
      throw new IllegalArgumentException("scores must be [" + positions.length + ", T], got " + TensorShapes.of(scores));
    }
    int b = positions.length;
    int k = 0;
    for (long[] p : positions) {
      if (p.length < 2) {
        throw new IllegalArgumentException("every row needs at least 2 responses to rank");
      }
      k = Math.max(k, p.length);
    }
    long[] idx = new long[b * k];
    boolean[] valid = new boolean[b * k];
    for (int r = 0; r < b; r++) {
      for (int j = 0; j < k; j++) {
        boolean has = j < positions[r].length;
        long at = has ? positions[r][j] : positions[r][positions[r].length - 1];
        if (at < 0 || at >= scores.size(1)) {
          throw new IllegalArgumentException("row " + r + ": position " + at + " is outside 0.." + (scores.size(1) - 1));
        }
        idx[r * k + j] = at;
        valid[r * k + j] = has;
      }
    }
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor index = Tensor.create(idx, b, k).to(scores.device(), torch.ScalarType.Long);
      Tensor picked = outlive(outer, scores.gather(1, index));
      Tensor v = outlive(outer, Tensor.create(valid, b, k).to(scores.device(), torch.ScalarType.Bool));
      return new RankingBatch(picked, v, ratings);
    }
  }

  /** Lets {@code t}, made in this method's scope, outlive it: in the caller's scope {@code outer}, or with the GC when none. */
  private static Tensor outlive(PointerScope outer, Tensor t) {
    if (outer == null) {
      t.retainReference();
    } else {
      outer.attach(t);
    }
    return t;
  }

  public long rows() {
    return scores.size(0);
  }

  public long responses() {
    return scores.size(1);
  }
}
