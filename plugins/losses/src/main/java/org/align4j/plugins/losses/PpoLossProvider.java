package org.align4j.plugins.losses;

import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.PolicyLossProvider;

/**
 * {@code ppo}: clipped-surrogate PPO with a clipped value loss, entropy bonus option, GAE over token
 * rewards with the per-token KL penalty folded in, and advantage whitening (Llama 2, section 3.2.3).
 */
public final class PpoLossProvider implements PolicyLossProvider<PpoOptions> {
  @Override
  public String id() {
    return "ppo";
  }

  @Override
  public Class<PpoOptions> optionsType() {
    return PpoOptions.class;
  }

  @Override
  public String description() {
    return "PPO: clipped surrogate (0.2), clipped value loss, entropy bonus, GAE over KL-shaped token rewards";
  }

  @Override
  public PolicyLoss create(PpoOptions options) {
    return new Ppo(options);
  }
}
