package org.align4j.plugins.losses;

import org.align4j.api.Default;
import org.align4j.api.Doc;

/** Options of {@code rloo}. */
public record RlooOptions(
    @Default("0.2") @Doc("clip threshold epsilon of the surrogate ratio; in (0, 1)") double clip,
    @Default("0.05") @Doc("KL penalty beta: a sequence's reward is score - beta * sum_t (log pi - log pi_ref); >= 0")
        double klCoef,
    @Default("true") @Doc("whiten the advantages over the rollout's tokens (mean 0, variance 1)") boolean whitenAdvantages) {

  public RlooOptions {
    if (!(clip > 0 && clip < 1)) {
      throw new IllegalArgumentException("clip must be in (0, 1), got " + clip);
    }
    if (!(klCoef >= 0) || !Double.isFinite(klCoef)) {
      throw new IllegalArgumentException("kl_coef must be a finite number >= 0, got " + klCoef);
    }
  }
}
