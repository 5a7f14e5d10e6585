package org.align4j.api.loss;

/**
 * An on-policy RL objective ({@code ppo}; GRPO, RLOO... as third-party classes). A stage calls
 * {@link #advantages} once per rollout, then {@link #compute} for each mini-batch of each epoch.
 */
public interface PolicyLoss {
  /** Turns a rollout into per-token rewards, advantages and returns (no gradient). */
  Advantages advantages(Rollout rollout);

  /**
   * The loss for one mini-batch: a scalar connected to {@link PolicyBatch#logProbs()} (and values, for
   * losses with a critic), plus diagnostics such as {@code policy_loss}, {@code value_loss}, {@code
   * clip_fraction}, {@code approx_kl}, {@code entropy}, {@code explained_variance}.
   */
  LossResult compute(PolicyBatch batch);

  /** Whether the loss trains a critic (the stage then needs a value head and fills values/returns). */
  default boolean usesValues() {
    return true;
  }

  /** Whether {@link Rollout#referenceLogProbs()} is needed (a KL penalty against the reference). */
  default boolean needsReference() {
    return true;
  }

  /** Whether {@link PolicyBatch#entropy()} is needed (an entropy bonus). */
  default boolean needsEntropy() {
    return false;
  }
}
