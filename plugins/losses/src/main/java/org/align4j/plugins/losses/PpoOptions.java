package org.align4j.plugins.losses;

import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * Options of {@code ppo}. Defaults follow Llama 2 (clip 0.2, beta 0.01 for 7B/13B) and common RLHF
 * practice for the rest (value clip 0.2, value coefficient 0.1, gamma 1, lambda 0.95).
 */
public record PpoOptions(
    @Default("0.2") @Doc("clip threshold epsilon of the surrogate ratio; in (0, 1)") double clip,
    @Default("0.2") @Doc("clip range of the value update around the rollout's values; >= 0, 0 disables value clipping")
        double valueClip,
    @Default("0.1") @Doc("weight of the value loss; >= 0") double valueCoef,
    @Default("0.0") @Doc("weight of the entropy bonus; >= 0 (needs per-token entropy from the stage)")
        double entropyCoef,
    @Default("0.01") @Doc("KL penalty beta: reward_t -= beta * (log pi - log pi_ref) per token; >= 0 (Llama 2: 0.01"
        + " for 7B/13B, 0.005 for 34B/70B)") double klCoef,
    @Default("1.0") @Doc("discount gamma of GAE; in [0, 1]") double gamma,
    @Default("0.95") @Doc("GAE lambda; in [0, 1]") double lambda,
    @Default("true") @Doc("whiten advantages over the rollout's tokens (mean 0, variance 1)") boolean whitenAdvantages) {

  public PpoOptions {
    if (!(clip > 0 && clip < 1)) {
      throw new IllegalArgumentException("clip must be in (0, 1) (Llama 2 uses 0.2), got " + clip);
    }
    check("valueClip", valueClip);
    check("valueCoef", valueCoef);
    check("entropyCoef", entropyCoef);
    check("klCoef", klCoef);
    if (!(gamma >= 0 && gamma <= 1)) {
      throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
    }
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
    }
  }

  private static void check(String name, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
    }
  }

  /** The defaults. */
  public static PpoOptions defaults() {
    return new PpoOptions(0.2, 0.2, 0.1, 0.0, 0.01, 1.0, 0.95, true);
  }
}
