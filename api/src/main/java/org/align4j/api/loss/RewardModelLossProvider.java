package org.align4j.api.loss;

import org.align4j.api.Provider;

/**
 * A reward-model loss ({@code ranking}, {@code ranking-multi}). A stage refers to one with an option
 * {@code @ComponentKind(RewardModelLossProvider.class) ComponentRef loss}, written {@code loss: {uses:
 * ranking, margin: small}}.
 */
public interface RewardModelLossProvider<O extends Record> extends Provider<O> {
  RewardModelLoss create(O options);
}
