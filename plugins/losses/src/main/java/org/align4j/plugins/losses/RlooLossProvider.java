package org.align4j.plugins.losses;

import org.align4j.api.ProviderInfo;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.PolicyLossProvider;

/**
 * {@code rloo}: REINFORCE leave-one-out (Ahmadian et al. 2024, "Back to Basics"), critic-free: each sampled
 * response's KL-penalised sequence reward minus the mean of its prompt's other samples, on every token, under PPO's
 * clipped ratio.
 */
@ProviderInfo(id = "rloo",
    description = "RLOO: critic-free; sequence reward (score - beta KL) minus the mean of the prompt's other samples,"
        + " clipped surrogate")
public final class RlooLossProvider implements PolicyLossProvider<RlooOptions> {
  @Override
  public PolicyLoss create(RlooOptions options) {
    return new Rloo(options);
  }
}
