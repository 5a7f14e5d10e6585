package org.align4j.api.loss;

import org.align4j.api.Provider;

/**
 * A preference loss ({@code dpo}, {@code ipo}). A stage refers to one with an option
 * {@code @ComponentKind(PreferenceLossProvider.class) ComponentRef loss}, written {@code loss: {uses: dpo,
 * beta: 0.1, nllWeight: 0.2}}.
 */
public interface PreferenceLossProvider<O extends Record> extends Provider<O> {
  PreferenceLoss create(O options);
}
