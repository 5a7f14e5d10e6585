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
  @SuppressWarnings({"rawtypes", "unchecked"})
  public ChatFormat get(String id) {
    var e = registry.find(ChatFormatProvider.class, id)
        .orElseThrow(() -> new Align4jException("unknown chat format '" + id + "'"
            + Suggest.hint(id, registry.ids(ChatFormatProvider.class))));
    ChatFormatProvider p = (ChatFormatProvider) e.provider();
    return p.create(new OptionsBinder(registry).bindPlain(p.optionsType(), Map.of(), "chat format " + id));
  }
}
