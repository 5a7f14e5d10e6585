package org.align4j.api;

import java.util.List;

/**
 * Creates other providers by id, with their options bound and their services injected. Injected into
 * providers that compose others (a stage that uses a loss, a reward that combines rewards).
 */
public interface Components {
  /**
   * The provider of {@code kind} with {@code ref.uses()} as id, with the options {@code ref} was bound to at
   * recipe validation (or, for a reference made in code, bound now from {@code ref.options()}).
   *
   * <p>{@code kind} is a class literal ({@code RewardProvider.class}); {@code P} is the type the caller wants,
   * usually with a wildcard: {@code Bound<RewardProvider<?>> b = components.resolve(RewardProvider.class, ref)}.
   */
  <P extends Provider<?>> Bound<P> resolve(Class<? super P> kind, ComponentRef ref);

  /** Every provider of a kind, for listings. */
  <P extends Provider<?>> List<P> all(Class<? super P> kind);

  /**
   * A provider together with its bound options. To call a provider's factory with them, capture its options
   * type in a generic method: {@code <O extends Record> Reward create(RewardProvider<O> p, Record o) { return
   * p.create(p.optionsType().cast(o)); }}.
   */
  record Bound<P extends Provider<?>>(P provider, Record options) {
    public <O extends Record> O options(Class<O> type) {
      return type.cast(options);
    }
  }
}
