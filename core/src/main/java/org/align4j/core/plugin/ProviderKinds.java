package org.align4j.core.plugin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Provider;

/**
 * The SPI kinds the registry looks for. Names are what {@code align4j plugins} prints. A kind whose
 * interface is not on the class path (an older align4j-api than this core) is skipped.
 */
public final class ProviderKinds {
  private static final String[][] KNOWN = {
    {"stage", "org.align4j.api.stage.Stage"},
    {"tokenizer", "org.align4j.api.text.TokenizerProvider"},
    {"chat-format", "org.align4j.api.text.ChatFormatProvider"},
    {"attention", "org.align4j.api.model.AttentionVariant"},
    {"data-source", "org.align4j.api.data.DataSourceProvider"},
    {"reward", "org.align4j.api.reward.RewardProvider"},
    {"metrics-sink", "org.align4j.api.metrics.MetricsSinkProvider"},
    {"loss/reward-model", "org.align4j.api.loss.RewardModelLossProvider"},
    {"loss/preference", "org.align4j.api.loss.PreferenceLossProvider"},
    {"loss/policy", "org.align4j.api.loss.PolicyLossProvider"},
  };

  private static final Map<Class<?>, String> KINDS = load();

  private ProviderKinds() {}

  private static Map<Class<?>, String> load() {
    var m = new LinkedHashMap<Class<?>, String>();
    for (String[] k : KNOWN) {
      try {
        Class<?> c = Class.forName(k[1], false, Provider.class.getClassLoader());
        if (Provider.class.isAssignableFrom(c)) {
          m.put(c, k[0]);
        }
      } catch (ClassNotFoundException e) {
        // the API does not define this kind (yet)
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Provider interfaces in listing order. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  public static List<Class<? extends Provider>> all() {
    var out = new ArrayList<Class<? extends Provider>>();
    KINDS.keySet().forEach(c -> out.add((Class<? extends Provider>) c));
    return out;
  }

  public static String name(Class<?> kind) {
    return KINDS.getOrDefault(kind, kind.getSimpleName());
  }
}
