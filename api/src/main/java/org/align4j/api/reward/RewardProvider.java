package org.align4j.api.reward;

import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;

/**
 * A reward ({@code task-suite}, {@code reward-model}, {@code llama2-piecewise}). A stage or another reward refers
 * to one with an option {@code @ComponentKind(RewardProvider.class) ComponentRef reward}.
 */
public interface RewardProvider<O extends Record> extends Provider<O> {
  Reward create(O options) throws Exception;

  /** The reward an option names: resolves {@code ref} and creates it with its bound options. */
  static Reward resolve(Components components, ComponentRef ref) throws Exception {
    Components.Bound<RewardProvider<?>> bound = components.resolve(RewardProvider.class, ref);
    return create(bound.provider(), bound.options());
  }

  /** Calls {@link #create} with {@code options} as the provider's own options type. */
  private static <O extends Record> Reward create(RewardProvider<O> provider, Record options) throws Exception {
    return provider.create(provider.optionsType().cast(options));
  }
}
