package org.align4j.plugins.losses;

/**
 * Generalised advantage estimation over token rewards, one episode per row, on plain arrays (row-major
 * {@code [rows, tokens]}). Masked positions are not steps: they are skipped and get advantage and return 0,
 * so left or right padding and holes (tool output inside a response) change nothing.
 *
 * <pre>
 * delta_t = r_t + gamma * V(next) - V(s_t)
 * A_t     = delta_t + gamma * lambda * A(next)
 * R_t     = A_t + V(s_t)
 * </pre>
 *
 * where "next" is the next unmasked position of the row; after the last one, {@code V(next)} is 0 for a
 * terminated episode and the bootstrap value for a truncated one, and {@code A(next)} is 0.
 */
public final class Gae {
  private Gae() {}

  /** Advantages and returns, each {@code [rows * tokens]}. */
  public record Result(double[] advantages, double[] returns) {}

  /**
   * @param terminated per row; {@code null}: all terminated
   * @param bootstrap per row, the value after the last step of a truncated row; {@code null}: 0
   */
  public static Result compute(double[] rewards, double[] values, double[] mask, int rows, int tokens,
      boolean[] terminated, double[] bootstrap, double gamma, double lambda) {
    double[] adv = new double[rows * tokens];
    double[] ret = new double[rows * tokens];
    for (int b = 0; b < rows; b++) {
      boolean done = terminated == null || terminated[b];
      double nextValue = done || bootstrap == null ? 0.0 : bootstrap[b];
      double nextAdv = 0.0;
      for (int t = tokens - 1; t >= 0; t--) {
        int i = b * tokens + t;
        if (mask[i] == 0) {
          continue;
        }
        double delta = rewards[i] + gamma * nextValue - values[i];
        double a = delta + gamma * lambda * nextAdv;
        adv[i] = a;
        ret[i] = a + values[i];
        nextValue = values[i];
        nextAdv = a;
      }
    }
    return new Result(adv, ret);
  }
}
