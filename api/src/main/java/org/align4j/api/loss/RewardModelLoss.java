package org.align4j.api.loss;

/**
 * A reward-model training loss over the scores of ranked responses ({@code ranking}, {@code ranking-multi}).
 * Implementations are stateless between calls and safe to reuse for every step.
 */
public interface RewardModelLoss {
  /**
   * The loss for one batch: a scalar tensor connected to {@link RankingBatch#scores()}, plus diagnostics
   * (at least {@code accuracy}, the fraction of pairwise orderings the scores get right, and {@code margin},
   * the mean score difference better - worse).
   */
  LossResult compute(RankingBatch batch);

  /** Whether the loss needs {@link RankingBatch#ratings()} (a margin that depends on the rating). */
  default boolean needsRatings() {
    return false;
  }
}
