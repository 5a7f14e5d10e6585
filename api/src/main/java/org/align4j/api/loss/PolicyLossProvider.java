package org.align4j.api.loss;

import org.align4j.api.Provider;

/**
 * A policy loss ({@code ppo}). A stage refers to one with an option
 * {@code @ComponentKind(PolicyLossProvider.class) ComponentRef loss}, written {@code loss: {uses: ppo,
 * klCoef: 0.01}}.
 */
public interface PolicyLossProvider<O extends Record> extends Provider<O> {
  PolicyLoss create(O options);
}
