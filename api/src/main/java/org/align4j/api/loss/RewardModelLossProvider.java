package org.align4j.api.loss;

import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;

/**
 * A reward-model loss ({@code ranking}, {@code ranking-multi}). A stage refers to one with an option
 * {@code @ComponentKind(RewardModelLossProvider.class) ComponentRef loss}, written {@code loss: {uses:
 * ranking, margin: small}}.
 */
public interface RewardModelLossProvider<O extends Record> extends Provider<O> {
  RewardModelLoss create(O options);

  /** The loss a stage option names: resolves {@code ref} and creates it with its bound options. */
  static RewardModelLoss resolve(Components components, ComponentRef ref) {
    Components.Bound<RewardModelLossProvider<?>> bound = components.resolve(RewardModelLossProvider.class, ref);
    return create(bound.provider(), bound.options());
  }

  /** Calls {@link #create} with {@code options} as the provider's own options type. */
  private static <O extends Record> RewardModelLoss create(RewardModelLossProvider<O> provider, Record options) {
    return provider.create(provider.optionsType().cast(options));
  }
}
