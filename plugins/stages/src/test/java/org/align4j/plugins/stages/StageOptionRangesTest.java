package org.align4j.plugins.stages;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.RecipeException;
import org.junit.jupiter.api.Test;

/** Issue 15 item 5: options out of range are refused when the recipe is validated, not when the stage runs. */
class StageOptionRangesTest {
  final OptionsBinder binder = new OptionsBinder(PluginRegistry.classpath());

  void refused(Class<? extends Record> type, String key, Object value, String expect) {
    var e = assertThrows(RecipeException.class, () -> binder.bindPlain(type, Map.of(key, value), "stage"),
        type.getName() + " " + key + "=" + value);
    assertTrue(e.getMessage().contains(expect), key + "=" + value + ": " + e.getMessage());
  }

  @Test
  void trainingOptionsOutOfRange() {
    for (var type : java.util.List.of(SftStage.Options.class, PretrainStage.Options.class)) {
      assertNotNull(binder.bindPlain(type, Map.of(), "stage"));
      refused(type, "schedule", "bogus", "schedule");
      refused(type, "accumulation", 0, "accumulation");
      refused(type, "log_every", 0, "log_every");
      refused(type, "lr", Double.POSITIVE_INFINITY, "lr");
      refused(type, "lr", 0.0, "lr");
      refused(type, "steps", -5, "steps");
      refused(type, "steps", 2.5, "steps");
      refused(type, "grad_clip", -1.0, "grad_clip");
      refused(type, "weight_decay", -0.1, "weight_decay");
      refused(type, "warmup_ratio", 1.5, "warmup_ratio");
      refused(type, "min_lr_ratio", 2.0, "min_lr_ratio");
      refused(type, "checkpoint_every", -1, "checkpoint_every");
      refused(type, "epochs", -1, "epochs");
      refused(type, "seq_len", 10_000_000, "seq_len");
    }
    refused(SftStage.Options.class, "limit", -1, "limit");
  }

  @Test
  void generateOptionsOutOfRange() {
    var type = GenerateStage.Options.class;
    assertNotNull(binder.bindPlain(type, Map.of(), "stage"));
    refused(type, "limit", -1, "limit");
    refused(type, "top_k", -1, "top_k");
    refused(type, "temperature", -0.5, "temperature");
    refused(type, "top_p", 0.0, "top_p");
    refused(type, "top_p", 1.5, "top_p");
    refused(type, "max_new_tokens", 2147483647, "max_new_tokens");
  }
}
