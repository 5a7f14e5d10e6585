package org.align4j.api.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-sequence log-probabilities under a loss mask.
 *
 * @param sum {@code [B]} sum of the token log-probs of the masked (loss-carrying) tokens; carries the
 *     gradient when computed from a policy
 * @param count {@code [B]} how many tokens were summed, in the dtype of {@code sum} (no gradient)
 */
public record SequenceLogProbs(Tensor sum, Tensor count) {
  public SequenceLogProbs {
    if (sum == null || count == null) {
      throw new IllegalArgumentException("sum and count are required");
    }
    if (sum.dim() != 1 || count.dim() != 1 || sum.size(0) != count.size(0)) {
      throw new IllegalArgumentException("sum and count must be [batch] of one size, got " + TensorShapes.of(sum)
          + " and " + TensorShapes.of(count));
    }
  }

  /** The length-normalised log-prob {@code sum / max(count, 1)}. */
  public Tensor mean() {
    try (Tensor c = count.clamp_min(new org.bytedeco.pytorch.Scalar(1.0))) {
      return sum.div(c);
    }
  }

  /** Rows {@code start .. start + length - 1} (views, sharing the gradient). */
  public SequenceLogProbs narrow(long start, long length) {
    return new SequenceLogProbs(sum.narrow(0, start, length), count.narrow(0, start, length));
  }

  public long size() {
    return sum.size(0);
  }
}
