package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.text.Message;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;

/** Tiny models, the trained Llama 3 style test tokenizer (vocab 2048) and small preference datasets. */
final class Fixtures {
  private Fixtures() {}

  static final LocalModels MODELS = new LocalModels(TorchDevice.cpu(1));
  private static org.align4j.core.inject.Services services;

  /** The engine services as a run wires them (one thread). */
  static synchronized org.align4j.core.inject.Services services() {
    if (services == null) {
      services = new org.align4j.core.inject.Services(org.align4j.core.plugin.PluginRegistry.classpath(),
          org.align4j.api.stage.RecipeDefaults.of(Map.of("threads", 1)), new org.align4j.core.metrics.MetricsHub());
    }
    return services;
  }

  static org.align4j.api.text.Tokenizer tokenizer() {
    return services().get(org.align4j.api.text.Tokenizers.class).load(tokenizerDir());
  }

  static org.align4j.api.text.ChatFormat llama3() {
    return services().get(org.align4j.api.text.ChatFormats.class).get("llama3");
  }

  /** The byte-level BPE tokenizer trained by the tokenizers module's reference script (2048 ids, Llama 3 specials). */
  static Path tokenizerDir() {
    try {
      return Path.of(Fixtures.class.getResource("/tokenizer/tokenizer.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static ModelConfig tinyConfig() {
    return ModelConfig.llama(2048, 32, 2, 4, 2).withIntermediateSize(64).withSpecialTokens(1792, List.of(1801));
  }

  /** A freshly initialised tiny Llama saved to {@code dir}. */
  static Path tinyModel(Path dir, long seed) {
    try (LanguageModel m = MODELS.create(tinyConfig(), seed)) {
      MODELS.save(m, dir);
    }
    return dir;
  }

  static Map<String, Object> pref(String user, String chosen, String rejected, String edited, String rating,
      String domain) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.PROMPT, List.of(Message.user(user)));
    row.put(Schemas.CHOSEN, chosen);
    row.put(Schemas.REJECTED, rejected);
    row.put(Schemas.EDITED, edited);
    row.put(Schemas.RATING, rating);
    row.put(Schemas.DOMAIN, domain);
    row.put(Schemas.SAFETY_LABEL, null);
    return row;
  }

  static Path writePrefs(Path file, List<Map<String, Object>> rows) throws IOException {
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      store.write(file, Schemas.PREFERENCES, rows.iterator());
    }
    return file;
  }

  static final String[] TOPICS = {"rivers", "cats", "music", "stars", "bread", "trains", "rain", "chess", "tea",
    "boats", "maps", "snow"};

  /**
   * A preference set with a learnable signal on significantly_better pairs (chosen helpful, rejected a refusal) and
   * none on negligibly_better pairs (two neutral phrasings, chosen at random).
   */
  static List<Map<String, Object>> separable(int perBucket, long seed) {
    var rnd = new java.util.Random(seed);
    var rows = new java.util.ArrayList<Map<String, Object>>();
    for (int i = 0; i < perBucket; i++) {
      String t = TOPICS[i % TOPICS.length];
      rows.add(pref("Tell me about " + t + ".", "Sure! Here is a helpful answer about " + t + ".",
          "No. I will not talk about " + t + ".", null, "significantly_better", "helpfulness"));
      String a = "Maybe " + t + " is fine.";
      String b = "Perhaps " + t + " is okay.";
      boolean swap = rnd.nextBoolean();
      rows.add(pref("What about " + t + "?", swap ? b : a, swap ? a : b, null, "negligibly_better", "helpfulness"));
    }
    return rows;
  }
}
