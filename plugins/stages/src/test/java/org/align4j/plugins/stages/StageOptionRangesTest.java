package org.align4j.plugins.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.TrainingLoopOptions;
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
      refused(type, "optimizer", Map.of("schedule", "bogus"), "schedule");
      refused(type, "accumulation", 0, "accumulation");
      refused(type, "log_every", 0, "log_every");
      refused(type, "optimizer", Map.of("lr", Double.POSITIVE_INFINITY), "lr");
      refused(type, "optimizer", Map.of("lr", 0.0), "lr");
      refused(type, "steps", -5, "steps");
      refused(type, "steps", 2.5, "steps");
      refused(type, "optimizer", Map.of("grad_clip", -1.0), "grad_clip");
      refused(type, "optimizer", Map.of("weight_decay", -0.1), "weight_decay");
      refused(type, "optimizer", Map.of("warmup_ratio", 1.5), "warmup_ratio");
      refused(type, "optimizer", Map.of("min_lr_ratio", 2.0), "min_lr_ratio");
      refused(type, "optimizer", Map.of("betas", java.util.List.of(0.9, 1.0)), "betas");
      refused(type, "optimizer", Map.of("eps", 0.0), "eps");
      refused(type, "checkpoint_every", -1, "checkpoint_every");
      refused(type, "epochs", -1, "epochs");
      refused(type, "seq_len", 10_000_000, "seq_len");
      refused(type, "batch_size", 100_000, "batch_size must be <= 4096");
    }
    refused(SftStage.Options.class, "limit", -1, "limit");
    // packed SFT rows need a dense batch x seq_len x seq_len mask: 16 x 16384^2 wrapped to 0 in an int
    var e = assertThrows(RecipeException.class, () -> binder.bindPlain(SftStage.Options.class,
        Map.of("seq_len", 16384, "batch_size", 16), "stage"));
    assertTrue(e.getMessage().contains("a dense attention mask of 16 rows x 16384 x 16384 tokens (4294967296 entries)"),
        e.getMessage());
    assertNotNull(binder.bindPlain(SftStage.Options.class, Map.of("seq_len", 16384, "batch_size", 16, "packing", false), "s"));
  }

  /**
   * Issue 12 item 2: the optimizer block binds in layers: OptimizerOptions' defaults, the stage's paper defaults,
   * then the recipe's keys, so a partial block keeps the rest of the stage's settings.
   */
  @Test
  void optimizerBlockMergesOverTheStageDefaults() {
    OptimizerOptions sft = binder.bindPlain(SftStage.Options.class, Map.of(), "stage").optimizer();
    assertEquals(new OptimizerOptions(2.0e-5, "cosine", 0.03, 0, 0.0, List.of(0.9, 0.95), 1e-5, 0.1, 1.0), sft);
    OptimizerOptions pretrain = binder.bindPlain(PretrainStage.Options.class, Map.of(), "stage").optimizer();
    assertEquals(new OptimizerOptions(3.0e-3, "cosine", 0.05, 0, 0.1, List.of(0.9, 0.95), 1e-5, 0.1, 1.0), pretrain);

    OptimizerOptions partial = binder.bindPlain(SftStage.Options.class,
        Map.of("optimizer", Map.of("lr", 3e-5, "betas", List.of(0.5, 0.8), "eps", 0.25)), "stage").optimizer();
    assertEquals(new OptimizerOptions(3e-5, "cosine", 0.03, 0, 0.0, List.of(0.5, 0.8), 0.25, 0.1, 1.0), partial);
    assertEquals(0.5, partial.beta1());
    assertEquals(0.8, partial.beta2());
    // camelCase keys land on the same options; a null block is the stage's defaults
    var camel = new java.util.HashMap<String, Object>();
    camel.put("optimizer", Map.of("warmupRatio", 0.2));
    assertEquals(0.2, binder.bindPlain(SftStage.Options.class, camel, "stage").optimizer().warmupRatio());
    camel.put("optimizer", null);
    assertEquals(sft, binder.bindPlain(SftStage.Options.class, camel, "stage").optimizer());

    var e = assertThrows(RecipeException.class,
        () -> binder.bindPlain(SftStage.Options.class, Map.of("optimizer", Map.of("lrr", 1e-5)), "stage"));
    assertTrue(e.getMessage().contains("unknown option 'optimizer.lrr'") && e.getMessage().contains(
        "did you mean 'optimizer.lr'?"), e.getMessage());
    e = assertThrows(RecipeException.class,
        () -> binder.bindPlain(SftStage.Options.class, Map.of("optimizer", "adamw"), "stage"));
    assertTrue(e.getMessage().contains("'optimizer': expected a mapping"), e.getMessage());
  }

  /** Issue 12: the loop keys stand flat under options: and bind into each stage's TrainingLoopOptions. */
  @Test
  void loopKeysBindFlatOverEachStagesDefaults() {
    assertEquals(new TrainingLoopOptions(8, 1, 2, 0, 25, 5), binder.bindPlain(SftStage.Options.class, Map.of(), "stage")
        .loop());
    assertEquals(new TrainingLoopOptions(16, 1, 1, 0, 50, 10), binder.bindPlain(PretrainStage.Options.class, Map.of(),
        "stage").loop());
    var sft = binder.bindPlain(SftStage.Options.class, Map.of("steps", 12, "batch_size", 2, "limit", 3), "stage");
    assertEquals(new TrainingLoopOptions(2, 1, 2, 12, 25, 5), sft.loop());
    assertEquals(3, sft.limit());
    refused(SftStage.Options.class, "epoch", 1, "did you mean 'epochs'?");
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
