package org.align4j.plugins.losses;

import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * Options of {@code dpo}.
 *
 * @param beta inverse temperature of the implicit reward {@code beta * (log pi - log pi_ref)}; &gt; 0
 * @param labelSmoothing probability that a pair's label is flipped (conservative DPO); in [0, 0.5)
 * @param nllWeight weight of the NLL term on the chosen response, normalised by its length (Llama 3: 0.2);
 *     &gt;= 0, 0 disables it
 */
public record DpoOptions(
    @Default("0.1") @Doc("beta, inverse temperature of the implicit reward; > 0 (Llama 3: 0.1)") double beta,
    @Default("0.0") @Doc("label smoothing (conservative DPO): assumed probability of a flipped label, in [0, 0.5)")
        double labelSmoothing,
    @Default("0.0") @Doc("weight of the length-normalised NLL on the chosen response; >= 0 (Llama 3: 0.2)")
        double nllWeight) {

  public DpoOptions {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be a finite number > 0 (Llama 3 uses 0.1), got " + beta);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      throw new IllegalArgumentException("labelSmoothing must be in [0, 0.5), got " + labelSmoothing);
    }
    if (!(nllWeight >= 0) || !Double.isFinite(nllWeight)) {
      throw new IllegalArgumentException("nllWeight must be a finite number >= 0 (Llama 3 uses 0.2), got " + nllWeight);
    }
  }
}
