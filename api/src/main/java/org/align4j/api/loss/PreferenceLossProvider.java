package org.align4j.api.loss;

import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;

/**
 * A preference loss ({@code dpo}, {@code ipo}). A stage refers to one with an option
 * {@code @ComponentKind(PreferenceLossProvider.class) ComponentRef loss}, written {@code loss: {uses: dpo,
 * beta: 0.1, nllWeight: 0.2}}.
 */
public interface PreferenceLossProvider<O extends Record> extends Provider<O> {
  PreferenceLoss create(O options);

  /** The loss a stage option names: resolves {@code ref} and creates it with its bound options. */
  static PreferenceLoss resolve(Components components, ComponentRef ref) {
    Components.Bound<PreferenceLossProvider<?>> bound = components.resolve(PreferenceLossProvider.class, ref);
    return create(bound.provider(), bound.options());
  }

  /** Calls {@link #create} with {@code options} as the provider's own options type. */
  private static <O extends Record> PreferenceLoss create(PreferenceLossProvider<O> provider, Record options) {
    return provider.create(provider.optionsType().cast(options));
  }
}
