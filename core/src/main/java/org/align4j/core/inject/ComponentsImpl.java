package org.align4j.core.inject;

import com.google.inject.Injector;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.recipe.Location;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.Problem;
import org.align4j.core.recipe.RecipeException;
import org.align4j.core.recipe.YNode;

/**
 * {@link Components} over the registry: a fresh provider with services injected, and the options its reference
 * was bound to at recipe validation (references made in code are bound here).
 */
final class ComponentsImpl implements Components {
  private final PluginRegistry registry;
  private final OptionsBinder binder;
  private final Injector injector;

  ComponentsImpl(PluginRegistry registry, Injector injector) {
    this.registry = registry;
    this.binder = new OptionsBinder(registry);
    this.injector = injector;
  }

  @Override
  public <P extends Provider<?>> Bound<P> resolve(Class<? super P> kind, ComponentRef ref) {
    var entry = registry.find(kind, ref.uses());
    if (entry.isEmpty()) {
      var problems = new ArrayList<Problem>();
      binder.bindComponent(kind, new YNode.YScalar(ref.uses(), Location.UNKNOWN), "component", problems);
      throw new RecipeException(problems);
    }
    P p = fresh(entry.get());
    Provider<?> provider = p;
    return new Bound<>(p, binder.optionsOf(provider, ref, ref.uses()));
  }

  @Override
  public <P extends Provider<?>> List<P> all(Class<? super P> kind) {
    var out = new ArrayList<P>();
    for (ProviderEntry e : registry.entries(kind)) {
      out.add(fresh(e));
    }
    return out;
  }

  /**
   * A new instance of a registered provider with this run's services injected. The registry files each provider
   * under its kind, so it is an instance of the caller's {@code P}: that differs from the kind's class only in type
   * arguments, which no check at run time can see.
   */
  @SuppressWarnings("unchecked")
  private <P extends Provider<?>> P fresh(ProviderEntry e) {
    P p = (P) ProviderEntry.fresh(e.provider());
    injector.injectMembers(p);
    return p;
  }
}
