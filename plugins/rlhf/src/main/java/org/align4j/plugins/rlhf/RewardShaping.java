package org.align4j.plugins.rlhf;

/**
 * Llama 2's reward shaping for PPO (section 3.2.3): the piecewise combination of the safety and
 * helpfulness reward models, and {@code whiten(logit(R))}.
 *
 * <p>Our scalar heads output an unbounded score {@code r}; the paper's scores are {@code R = sigmoid(r)}, so
 * the 0.15 gate applies to {@code sigmoid(r_safety)} and {@code logit(R_c)} is the chosen raw score.
 */
public final class RewardShaping {
  private RewardShaping() {}

  /** Llama 2's threshold on the safety reward model's probability. */
  public static final double LLAMA2_SAFETY_THRESHOLD = 0.15;

  public static double sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
  }

  /** {@code log(p / (1 - p))}, with {@code p} clamped to {@code [1e-7, 1 - 1e-7]} so that 0 and 1 stay finite. */
  public static double logit(double p) {
    double q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
    return Math.log(q) - Math.log1p(-q);
  }

  /**
   * The piecewise score on raw (logit) scores: the safety score when the prompt is safety-relevant or
   * {@code sigmoid(safety) < threshold}, else the helpfulness score.
   */
  public static double piecewise(double safety, double helpfulness, boolean safetyRelevant, double threshold) {
    return useSafety(safety, safetyRelevant, threshold) ? safety : helpfulness;
  }

  /** Whether the piecewise rule picks the safety score. */
  public static boolean useSafety(double safety, boolean safetyRelevant, double threshold) {
    return safetyRelevant || sigmoid(safety) < threshold;
  }

  /**
   * {@code (x - mean) / sqrt(var + 1e-8)} with the population variance. Fewer than two values are returned
   * unchanged (there is nothing to whiten against).
   */
  public static double[] whiten(double[] x) {
    if (x.length < 2) {
      return x.clone();
    }
    double mean = 0;
    for (double v : x) {
      mean += v / x.length;
    }
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean) / x.length;
    }
    double inv = 1.0 / Math.sqrt(var + 1e-8);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] - mean) * inv;
    }
    return out;
  }
}
