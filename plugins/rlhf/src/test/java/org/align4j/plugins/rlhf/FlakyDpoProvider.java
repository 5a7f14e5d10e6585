package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.PreferenceLossProvider;

/** {@code dpo}, except that the first loss made with {@code fail_at: n} in this JVM crashes at its n-th batch. */
public final class FlakyDpoProvider implements PreferenceLossProvider<FlakyDpoProvider.Options> {
  static final AtomicBoolean CRASHED = new AtomicBoolean();

  public record Options(@Default("0") int failAt, @Default("0.1") double beta, @Default("0.2") double nllWeight) {}

  @Inject Components components;

  @Override
  public String id() {
    return "test-flaky-dpo";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public PreferenceLoss create(Options o) {
    PreferenceLoss dpo = PreferenceLossProvider.resolve(components,
        new ComponentRef("dpo", Map.of("beta", o.beta(), "nll_weight", o.nllWeight())));
    int[] calls = {0};
    return batch -> {
      if (o.failAt() > 0 && ++calls[0] == o.failAt() && CRASHED.compareAndSet(false, true)) {
        throw new IllegalStateException("simulated crash at batch " + calls[0]);
      }
      return dpo.compute(batch);
    };
  }
}
