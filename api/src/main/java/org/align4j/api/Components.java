package org.align4j.api;

import java.util.List;

/**
 * Creates other providers by id, with their options bound and their services injected. Injected into
 * providers that compose others (a stage that uses a loss, a reward that combines rewards).
 */
public interface Components {
  /** The provider of {@code kind} with {@code ref.uses()} as id, and its options bound from {@code ref.options()}. */
  <P extends Provider<?>> Bound<P> resolve(Class<P> kind, ComponentRef ref);

  /** Every provider of a kind, for listings. */
  <P extends Provider<?>> List<P> all(Class<P> kind);

  /** A provider together with its bound options. */
  record Bound<P extends Provider<?>>(P provider, Record options) {
    @SuppressWarnings("unchecked")
    public <O extends Record> O options(Class<O> type) {
      return (O) type.cast(options);
    }
  }
}
