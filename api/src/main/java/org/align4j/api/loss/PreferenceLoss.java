package org.align4j.api.loss;

/**
 * A preference-optimisation loss over sequence log-probabilities ({@code dpo}, {@code ipo}; a third party
 * adds KTO, SimPO, ... as one class).
 */
public interface PreferenceLoss {
  /**
   * The loss for one batch of pairs: a scalar connected to the policy log-probs, plus diagnostics (at least
   * {@code accuracy}: the fraction of pairs whose implicit reward ranks chosen above rejected, and {@code
   * margin}: the mean implicit reward difference).
   */
  LossResult compute(PreferenceBatch batch);

  /**
   * Whether {@link PreferenceBatch} must carry reference log-probs. A stage skips the reference model
   * (and its cache) when false.
   */
  default boolean needsReference() {
    return true;
  }
}
