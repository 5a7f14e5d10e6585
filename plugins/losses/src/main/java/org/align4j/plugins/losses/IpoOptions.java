package org.align4j.plugins.losses;

import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * Options of {@code ipo}.
 *
 * @param beta the regularisation (tau in the IPO paper): the loss pulls the log-ratio gap towards
 *     {@code 1 / (2 beta)}; &gt; 0
 * @param lengthNormalize use log-probs averaged over each response's masked tokens (as TRL does for IPO)
 *     instead of sums
 * @param nllWeight weight of the length-normalised NLL on the chosen response; &gt;= 0
 */
public record IpoOptions(
    @Default("0.1") @Doc("tau: the target log-ratio gap is 1/(2*beta); > 0") double beta,
    @Default("true") @Doc("average log-probs over each response's loss-masked tokens instead of summing")
        boolean lengthNormalize,
    @Default("0.0") @Doc("weight of the length-normalised NLL on the chosen response; >= 0") double nllWeight) {

  public IpoOptions {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be a finite number > 0, got " + beta);
    }
    if (!(nllWeight >= 0) || !Double.isFinite(nllWeight)) {
      throw new IllegalArgumentException("nllWeight must be a finite number >= 0, got " + nllWeight);
    }
  }
}
