package org.align4j.plugins.losses;

import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.PreferenceLossProvider;

/** {@code ipo}: Identity Preference Optimisation, {@code (h - 1/(2 beta))^2} with h the log-ratio gap. */
public final class IpoLossProvider implements PreferenceLossProvider<IpoOptions> {
  @Override
  public String id() {
    return "ipo";
  }

  @Override
  public Class<IpoOptions> optionsType() {
    return IpoOptions.class;
  }

  @Override
  public String description() {
    return "IPO ((pi_c-ref_c)-(pi_r-ref_r) - 1/(2*beta))^2, length-normalised log-probs by default";
  }

  @Override
  public PreferenceLoss create(IpoOptions o) {
    return new DirectPreference(DirectPreference.Kind.IPO, o.beta(), 0.0, o.nllWeight(), o.lengthNormalize());
  }
}
