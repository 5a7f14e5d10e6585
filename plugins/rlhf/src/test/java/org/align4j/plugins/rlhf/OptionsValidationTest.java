package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.core.Align4j;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.RecipeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options are refused before any work, with a message saying what is wrong. */
class OptionsValidationTest {
  static String refusal(Path tmp, String stage, Map<String, Object> options) {
    touch(tmp.resolve("d.arrow"));
    var run = Align4j.create().stage(stage).input("model", dir(tmp.resolve("model")))
        .input(stage.equals("rejection-sampling") ? "prompts" : "data", tmp.resolve("d.arrow")).options(options);
    RecipeException e = assertThrows(RecipeException.class, () -> run.validate(tmp.resolve("run")));
    assertEquals(1, e.problems().size(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void badOptionsAreRefusedWithMessages(@TempDir Path tmp) {
    assertTrue(refusal(tmp, "dpo", Map.of("reference", "sometimes")).contains("reference must be cached or on_the_fly"));
    assertTrue(refusal(tmp, "dpo", Map.of("loss", Map.of("uses", "dpo", "beta", -1))).contains("beta"));
    assertTrue(refusal(tmp, "dpo", Map.of("loss", Map.of("uses", "ranking"))).contains("unknown"),
        "a reward-model loss is not a preference loss");
    assertTrue(refusal(tmp, "dpo", Map.of("mask", "all")).contains("prompt tokens would count"));
    assertTrue(refusal(tmp, "reward-model", Map.of("optimizer", Map.of("lr", -1e-5)))
        .contains("lr must be a finite number > 0"));
    assertTrue(refusal(tmp, "reward-model", Map.of("lr", 1e-5)).contains("did you mean 'optimizer.lr'?"),
        "a training option from before the optimizer block says where it went");
    String typo = refusal(tmp, "dpo", Map.of("optimizer", Map.of("lr", 1e-5, "shedule", "constant")));
    assertTrue(typo.contains("unknown option 'optimizer.shedule'") && typo.contains("did you mean 'optimizer.schedule'?"),
        typo);
    assertTrue(refusal(tmp, "dpo", Map.of("optimizer", Map.of("betas", List.of(0.9)))).contains("betas must be two"));
    assertTrue(refusal(tmp, "reward-model", Map.of("ratings", List.of("great"))).contains("unknown rating 'great'"));
    assertTrue(refusal(tmp, "reward-model", Map.of("loss", Map.of("uses", "ranking", "margin", "medium")))
        .contains("unknown margin table 'medium'"));
    assertTrue(refusal(tmp, "reward-model", Map.of("layout", "diagonal")).contains("layout"));
    assertTrue(refusal(tmp, "reward-model", Map.of("eval_fraction", 1.5)).contains("eval_fraction must be in [0, 1)"));
    assertTrue(refusal(tmp, "reward-model", Map.of("lr_rate", 1e-5)).contains("unknown option 'lr_rate'"));
    assertTrue(refusal(tmp, "rejection-sampling", Map.of("samples_per_prompt", 0)).contains("reward is required"));
    assertTrue(refusal(tmp, "rejection-sampling", Map.of("reward", Map.of("uses", "test-chars"), "samples_per_prompt",
        0)).contains("samples_per_prompt must be >= 1"));
    assertTrue(refusal(tmp, "rejection-sampling", Map.of("reward", Map.of("uses", "reward-modle")))
        .contains("unknown reward 'reward-modle'"));
  }

  /** Issue 12 item 2: the optimizer block resolves to the settings each stage trained with before it existed. */
  @Test
  void optimizerDefaultsAreEachStagesOwn() {
    var binder = new OptionsBinder(PluginRegistry.classpath());
    List<Double> betas = List.of(0.9, 0.95);
    assertEquals(new OptimizerOptions(1e-5, "cosine", 0.03, 0, 0.1, betas, 1e-5, 0.1, 1.0),
        binder.bindPlain(DpoStage.Options.class, Map.of(), "dpo").optimizer());
    assertEquals(new OptimizerOptions(1e-5, "cosine", 0.03, 5, 0.1, betas, 1e-5, 0.1, 1.0),
        binder.bindPlain(RewardModelStage.Options.class, Map.of(), "reward-model").optimizer());
    Map<String, Object> reward = Map.of("uses", "test-chars");
    PpoStage.Options ppo = binder.bindPlain(PpoStage.Options.class, Map.of("reward", reward), "ppo");
    OptimizerOptions llama2 = new OptimizerOptions(1e-6, "constant", 0, 0, 0, betas, 1e-5, 0.1, 1.0);
    assertEquals(llama2, ppo.optimizer());
    assertEquals(llama2, ppo.valueOptimizer(), "value_lr defaults to the policy's lr");
    PpoStage.Options tuned = binder.bindPlain(PpoStage.Options.class, Map.of("reward", reward,
        "optimizer", Map.of("lr", 1e-4), "value_lr", 3e-4), "ppo");
    assertEquals(llama2.withLr(1e-4), tuned.optimizer(), "a partial block keeps the constant schedule");
    assertEquals(llama2.withLr(3e-4), tuned.valueOptimizer());
  }

  /** A bad row fails the stage with the file, row and field named. */
  @Test
  void badRowsAreReportedWithFileRowAndField(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 1);
    Path data = Fixtures.writePrefs(tmp.resolve("bad.arrow"), List.of(
        Fixtures.pref("Hi.", "Hello.", "Go away.", null, "better", "helpfulness"),
        Fixtures.pref("Hi.", "Hello.", "Go away.", null, "much_better", "helpfulness")));
    var r = Align4j.create().stage("reward-model").input("model", base).input("data", data)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    String msg = r.stages().get(0).message();
    assertTrue(!r.ok() && msg.contains("bad.arrow: row 1: field 'rating'") && msg.contains("much_better"), msg);
    Path missing = Fixtures.writePrefs(tmp.resolve("missing.arrow"), List.of(
        Fixtures.pref("Hi.", "Hello.", null, null, "better", "helpfulness")));
    var r2 = Align4j.create().stage("dpo").input("model", base).input("data", missing)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run2"));
    String msg2 = r2.stages().get(0).message();
    assertTrue(!r2.ok() && msg2.contains("missing.arrow: row 0: field 'rejected' is missing"), msg2);
  }

  @Test
  void providersAreRegistered() {
    var registry = org.align4j.core.plugin.PluginRegistry.classpath();
    assertTrue(registry.ids(org.align4j.api.stage.Stage.class).containsAll(
        List.of("reward-model", "dpo", "rejection-sampling", "merge")), registry.ids(org.align4j.api.stage.Stage.class).toString());
    assertTrue(registry.ids(org.align4j.api.reward.RewardProvider.class).contains("reward-model"));
  }

  @Test
  void badMergeOptionsAreRefused(@TempDir Path tmp) {
    touch(tmp.resolve("d.arrow"));
    java.util.function.Function<Map<String, Object>, String> merge = opts -> assertThrows(RecipeException.class,
        () -> Align4j.create().stage("merge").input("model_1", tmp).input("model_2", tmp).options(opts)
            .validate(tmp.resolve("run"))).getMessage();
    assertTrue(merge.apply(Map.of("method", "median")).contains("method must be average, ties or slerp"));
    assertTrue(merge.apply(Map.of("method", "ties", "density", 0)).contains("density must be in (0, 1]"));
    assertTrue(merge.apply(Map.of("weights", List.of(1.0, -1.0))).contains("weights must be finite numbers >= 0"));
    assertTrue(merge.apply(Map.of("method", "slerp", "t", 2)).contains("t must be in [0, 1]"));
  }

  /** A model directory beside the run directory (an output inside an input is refused at validation). */
  static Path dir(Path p) {
    try {
      return java.nio.file.Files.createDirectories(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void touch(Path p) {
    try {
      if (java.nio.file.Files.notExists(p)) {
        java.nio.file.Files.createFile(p);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void goodOptionsBindWithThePapersDefaults(@TempDir Path tmp) {
    touch(tmp.resolve("d.arrow"));
    var r = Align4j.create().stage("reward-model").input("model", dir(tmp.resolve("model"))).input("data", tmp.resolve("d.arrow"))
        .validate(tmp.resolve("run"));
    var o = (RewardModelStage.Options) r.stages().get(0).options();
    assertEquals("ranking", o.loss().uses());
    assertEquals("small", o.loss().options().get("margin"));
    assertEquals(1, o.loop().epochs());
    assertEquals(1e-5, o.optimizer().lr());
    assertEquals("cosine", o.optimizer().schedule());
    assertEquals(0.1, o.optimizer().minLrRatio());
    assertEquals(0.03, o.optimizer().warmupRatio());
    assertEquals(5, o.optimizer().warmupSteps());
    var d = (DpoStage.Options) Align4j.create().stage("dpo").input("model", dir(tmp.resolve("model"))).input("data", tmp.resolve("d.arrow"))
        .validate(tmp.resolve("run")).stages().get(0).options();
    assertEquals("dpo", d.loss().uses());
    assertEquals(0.2, ((Number) d.loss().options().get("nll_weight")).doubleValue());
    assertEquals("cached", d.reference());
    assertEquals(org.align4j.api.text.MaskPolicy.ASSISTANT_CONTENT, d.mask());
    assertEquals(List.of("significantly_better", "better"), d.ratings());
  }

  @Test
  void rewardNeedsAModelWithAScalarHead(@TempDir Path tmp) {
    Path plain = Fixtures.tinyModel(tmp.resolve("plain"), 1);
    var provider = new RewardModelRewardProvider();
    Fixtures.services().inject(provider);
    var e = assertThrows(Align4jException.class, () -> provider.create(
        new RewardModelRewardProvider.Options(plain.toString(), null, null, 8, 1024, "rm")));
    assertTrue(e.getMessage().contains("no scalar head"), e.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> new RewardModelRewardProvider.Options(" ", null, null,
        8, 1024, "rm"));
    assertTrue(e2.getMessage().contains("model is required"), e2.getMessage());
  }
}
