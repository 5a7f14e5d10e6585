package org.align4j.plugins.losses;

import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.PreferenceLossProvider;

/**
 * {@code dpo}: Direct Preference Optimisation, {@code -log sigmoid(beta ((pi_c - ref_c) - (pi_r - ref_r)))}
 * on log-probs summed over the chat format's loss mask, with optional label smoothing and Llama 3's NLL term
 * on the chosen response.
 */
public final class DpoLossProvider implements PreferenceLossProvider<DpoOptions> {
  @Override
  public String id() {
    return "dpo";
  }

  @Override
  public Class<DpoOptions> optionsType() {
    return DpoOptions.class;
  }

  @Override
  public String description() {
    return "DPO -log sigmoid(beta*((pi_c-ref_c)-(pi_r-ref_r))) with label smoothing and Llama 3's NLL term on chosen";
  }

  @Override
  public PreferenceLoss create(DpoOptions o) {
    return new DirectPreference(DirectPreference.Kind.DPO, o.beta(), o.labelSmoothing(), o.nllWeight(), false);
  }
}
