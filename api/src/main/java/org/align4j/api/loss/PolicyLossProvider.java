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
  @SuppressWarnings("unchecked")
  static PolicyLoss resolve(Components components, ComponentRef ref) {
    Class<PolicyLossProvider<Record>> kind = (Class<PolicyLossProvider<Record>>) (Class<?>) PolicyLossProvider.class;
    Components.Bound<PolicyLossProvider<Record>> bound = components.resolve(kind, ref);
    return bound.provider().create(bound.options());
  }
}
