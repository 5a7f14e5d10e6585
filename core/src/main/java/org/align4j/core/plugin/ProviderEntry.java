package org.align4j.core.plugin;

import org.align4j.api.Provider;

/**
 * A provider found by the registry.
 *
 * @param kind the SPI interface
 * @param provider the instance (one per registry)
 * @param source where it came from: a plugin jar path, or the class-path jar of a bundled plugin
 */
public record ProviderEntry(Class<?> kind, Provider<?> provider, String source) {
  public String id() {
    return provider.id();
  }

  public String kindName() {
    return ProviderKinds.name(kind);
  }
}
