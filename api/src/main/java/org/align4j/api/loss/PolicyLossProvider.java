package org.align4j.api.loss;

import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;

/**
 * A policy loss ({@code ppo}). A stage refers to one with an option
 * {@code @ComponentKind(PolicyLossProvider.class) ComponentRef loss}, written {@code loss: {uses: ppo,
 * klCoef: 0.01}}.
 */
public interface PolicyLossProvider<O extends Record> extends Provider<O> {
  PolicyLoss create(O options);

  /** The loss a stage option names: resolves {@code ref} and creates it with its bound options. */
  static PolicyLoss resolve(Components components, ComponentRef ref) {
    Components.Bound<PolicyLossProvider<?>> bound = components.resolve(PolicyLossProvider.class, ref);
    return create(bound.provider(), bound.options());
  }

  /** Calls {@link #create} with {@code options} as the provider's own options type. */
  private static <O extends Record> PolicyLoss create(PolicyLossProvider<O> provider, Record options) {
    return provider.create(provider.optionsType().cast(options));
  }
}
