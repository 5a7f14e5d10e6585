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
  @SuppressWarnings("unchecked")
  static RewardModelLoss resolve(Components components, ComponentRef ref) {
    Class<RewardModelLossProvider<Record>> kind = (Class<RewardModelLossProvider<Record>>) (Class<?>) RewardModelLossProvider.class;
    Components.Bound<RewardModelLossProvider<Record>> bound = components.resolve(kind, ref);
    return bound.provider().create(bound.options());
  }
}
