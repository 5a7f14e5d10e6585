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

  /**
   * A new instance of a provider's class for one run, so that services injected into it (and any state it keeps)
   * belong to that run alone: two runs sharing a registry in one JVM never see each other's services. The registry's
   * instance serves listings and validation only. Classes without a public no-argument constructor (ServiceLoader's
   * {@code provider()} factory style) keep the registry's instance.
   */
  @SuppressWarnings("unchecked")
  public static <P> P fresh(P provider) {
    try {
      var c = provider.getClass().getConstructor();
      return (P) c.newInstance();
    } catch (NoSuchMethodException e) {
      return provider;
    } catch (ReflectiveOperationException e) {
      throw new org.align4j.api.Align4jException("cannot create provider " + provider.getClass().getName() + ": "
          + (e.getCause() != null ? e.getCause() : e), e);
    }
  }
}
