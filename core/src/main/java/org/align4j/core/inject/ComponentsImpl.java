package org.align4j.core.inject;

import com.google.inject.Injector;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.plugin.ProviderEntry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.Problem;
import org.align4j.core.recipe.RecipeException;
import org.align4j.core.recipe.YNode;
import org.align4j.core.recipe.Location;

/** {@link Components} over the registry: binds options, injects services. */
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
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <P extends Provider<?>> Bound<P> resolve(Class<P> kind, ComponentRef ref) {
    var entry = registry.find(kind, ref.uses());
    if (entry.isEmpty()) {
      var problems = new ArrayList<Problem>();
      binder.bindComponent(kind, new YNode.YScalar(ref.uses(), Location.UNKNOWN), "component", problems);
      throw new RecipeException(problems);
    }
    P p = (P) ProviderEntry.fresh(entry.get().provider());
    injector.injectMembers(p);
    Record options = binder.bindPlain((Class) p.optionsType(), ref.options(), ref.uses());
    return new Bound<>(p, options);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <P extends Provider<?>> List<P> all(Class<P> kind) {
    var out = new ArrayList<P>();
    for (ProviderEntry e : registry.entries(kind)) {
      P p = (P) ProviderEntry.fresh(e.provider());
      injector.injectMembers(p);
      out.add(p);
    }
    return out;
  }
}
