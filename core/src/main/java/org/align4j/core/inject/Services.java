package org.align4j.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.align4j.api.Components;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.Tokenizers;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;

/**
 * The engine services of one run, wired by Guice and injected into providers. Engine parts register
 * their own Guice modules in {@code META-INF/services/com.google.inject.Module} (core's class path only);
 * they may inject the run's {@link RecipeDefaults}.
 */
public final class Services {
  private final Injector injector;
  private final PluginRegistry registry;

  public Services(PluginRegistry registry, RecipeDefaults defaults, MetricsHub metrics) {
    this.registry = registry;
    List<Module> modules = new ArrayList<>();
    modules.add(new AbstractModule() {
      @Override
      protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        bind(RecipeDefaults.class).toInstance(defaults);
        bind(MetricsHub.class).toInstance(metrics);
        bind(Metrics.class).toInstance(metrics);
        bind(Tokenizers.class).toInstance(new TokenizersImpl(registry));
        bind(ChatFormats.class).toInstance(new ChatFormatsImpl(registry));
        bind(Components.class).to(ComponentsHolder.class);
      }
    });
    for (Module m : ServiceLoader.load(Module.class, Services.class.getClassLoader())) {
      modules.add(m);
    }
    this.injector = Guice.createInjector(modules);
    injector.getInstance(ComponentsHolder.class).delegate = new ComponentsImpl(registry, injector);
  }

  public <T> T get(Class<T> type) {
    return injector.getInstance(type);
  }

  /** Injects engine services into a provider's {@code @Inject} fields and setters. */
  public void inject(Object provider) {
    injector.injectMembers(provider);
  }

  public PluginRegistry registry() {
    return registry;
  }

  /** Breaks the cycle Components -> Injector -> Components. */
  @com.google.inject.Singleton
  static final class ComponentsHolder implements Components {
    volatile ComponentsImpl delegate;

    @Override
    public <P extends org.align4j.api.Provider<?>> Bound<P> resolve(Class<? super P> kind, org.align4j.api.ComponentRef ref) {
      return delegate.resolve(kind, ref);
    }

    @Override
    public <P extends org.align4j.api.Provider<?>> List<P> all(Class<? super P> kind) {
      return delegate.all(kind);
    }
  }
}
