package org.align4j.plugins.losses;

import org.align4j.api.ProviderInfo;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.PreferenceLossProvider;

/** {@code ipo}: Identity Preference Optimisation, {@code (h - 1/(2 beta))^2} with h the log-ratio gap. */
@ProviderInfo(id = "ipo",
    description = "IPO ((pi_c-ref_c)-(pi_r-ref_r) - 1/(2*beta))^2, length-normalised log-probs by default")
public final class IpoLossProvider implements PreferenceLossProvider<IpoOptions> {
  @Override
  public PreferenceLoss create(IpoOptions o) {
    return new DirectPreference(DirectPreference.Kind.IPO, o.beta(), 0.0, o.nllWeight(), o.lengthNormalize());
  }
}
