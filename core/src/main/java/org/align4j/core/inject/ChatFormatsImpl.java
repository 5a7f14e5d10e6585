package org.align4j.core.inject;

import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;
import org.align4j.api.text.ChatFormats;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.Suggest;

/** Chat formats by id, with default options. */
final class ChatFormatsImpl implements ChatFormats {
  private final PluginRegistry registry;

  ChatFormatsImpl(PluginRegistry registry) {
    this.registry = registry;
  }

  @Override
  public ChatFormat get(String id) {
    var e = registry.find(ChatFormatProvider.class, id)
        .orElseThrow(() -> new Align4jException("unknown chat format '" + id + "'"
            + Suggest.hint(id, registry.ids(ChatFormatProvider.class))));
    return create((ChatFormatProvider<?>) e.provider(), new OptionsBinder(registry));
  }

  private static <O extends Record> ChatFormat create(ChatFormatProvider<O> p, OptionsBinder binder) {
    return p.create(binder.bindPlain(p.optionsType(), Map.of(), "chat format " + p.id()));
  }
}
