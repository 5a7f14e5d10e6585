package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.Message;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.align4j.core.recipe.RecipeException;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PpoStageTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static Path prompts(Path file, int n) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RejectionSamplingStageTest.conv(List.of(Message.user("Tell me about "
          + Fixtures.TOPICS[i % Fixtures.TOPICS.length] + ".")), null));
    }
    try (var store = new ArrowDatasetStore()) {
      store.write(file, RejectionSamplingStage.KEPT, rows.iterator());
    }
    return file;
  }

  static Align4j.StageRun ppo(Path model, Path prompts, int iterations) {
    return Align4j.create().stage("ppo").id("ppo").input("model", model).input("prompts", prompts)
        .option("reward", Map.of("uses", "test-chars", "character", "e"))
        .option("iterations", iterations).option("batch_size", 8).option("mini_batch_size", 4)
        .option("max_new_tokens", 10).option("optimizer", Map.of("lr", 1e-3)).option("checkpoint_every", 2)
        .defaults(RewardModelStageTest.defaults());
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> history(Path run) {
    return (List<Map<String, Object>>) StageFiles.readJson(run.resolve("ppo/report")).get("history");
  }

  /**
   * The importance ratio starts at 1: the generator's per-token log-probs equal the log-probs the update pass
   * recomputes for the same tokens, within 1e-5 (fp32), in every iteration.
   */
  @Test
  void generationAndTrainingLogProbsAgree(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 3);
    RunResult r = ppo(base, prompts(tmp.resolve("p.arrow"), 8), 2).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    var h = history(tmp.resolve("run"));
    assertEquals(2, h.size());
    for (var it : h) {
      double mismatch = ((Number) it.get("logprob_gen_vs_train_max_abs")).doubleValue();
      assertTrue(mismatch <= 1e-5, "generator vs trainer log-probs differ by " + mismatch);
      assertEquals(1.0, ((Number) it.get("ratio_first_minibatch")).doubleValue(), 1e-5, it.toString());
      assertEquals(8.0 * 10, ((Number) it.get("response_length")).doubleValue() * 8, 8.0 * 10, "lengths reported");
    }
    // the reference is the starting policy: before the first update the KL is 0
    assertEquals(0.0, ((Number) h.get(0).get("kl_per_token")).doubleValue(), 1e-6);
    assertTrue(Files.isRegularFile(tmp.resolve("run/ppo/model/config.json")));
    assertTrue(Files.isRegularFile(tmp.resolve("run/ppo/model/tokenizer.json")), "tokenizer copied beside the policy");
  }

  /**
   * PPO maximises the reward it is given: on a toy reward (how often 'e' occurs in the response) the mean score of
   * the last iterations' rollouts is well above the first iterations', with the KL to the start growing from 0.
   */
  @Test
  void raisesAToyReward(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 6);
    RunResult r = ppo(base, prompts(tmp.resolve("p.arrow"), 16), 24).option("batch_size", 16)
        .option("checkpoint_every", 0).option("optimizer", Map.of("lr", 3e-3)).option("value_lr", 3e-3)
        .option("loss", Map.of("uses", "ppo", "kl_coef", 0.0)).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    var h = history(tmp.resolve("run"));
    double first = 0;
    double last = 0;
    for (int i = 0; i < 6; i++) {
      first += ((Number) h.get(i).get("score_raw")).doubleValue() / 6;
      last += ((Number) h.get(h.size() - 1 - i).get("score_raw")).doubleValue() / 6;
    }
    System.out.println("ppo toy: mean 'e' count first 6 iterations " + first + ", last 6 " + last);
    assertTrue(last > first + 1.0, "first " + first + " last " + last);
  }

  /** A run killed after a checkpoint and resumed ends with bitwise the same weights as an uninterrupted run. */
  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 4);
    Path p = prompts(tmp.resolve("p.arrow"), 8);
    assertTrue(ppo(base, p, 4).runIn(tmp.resolve("straight")).ok());

    // interrupted: the reward fails once in iteration 3 (after the checkpoint of iteration 2)
    FailingCharReward.FAIL_AT.set(3);
    RunResult crashed = ppo(base, p, 4).option("reward", Map.of("uses", "test-failing-chars", "character", "e"))
        .runIn(tmp.resolve("resumed"));
    assertFalse(crashed.ok(), "the simulated crash fails the stage");
    assertTrue(Files.isDirectory(tmp.resolve("resumed/.align4j")) || Files.exists(tmp.resolve("resumed")));
    RunResult resumed = ppo(base, p, 4).option("reward", Map.of("uses", "test-failing-chars", "character", "e"))
        .runIn(tmp.resolve("resumed"));
    assertTrue(resumed.ok(), resumed.stages().toString());
    assertEquals(2, FailingCharReward.CALLS_AFTER_RESUME.get(), "resumed from the checkpoint after iteration 2");

    try (LanguageModel a = Fixtures.MODELS.load(tmp.resolve("straight/ppo/model"));
        LanguageModel b = Fixtures.MODELS.load(tmp.resolve("resumed/ppo/model"))) {
      for (var e : a.parameters().entrySet()) {
        assertArrayEquals(Tensors.toDoubles(e.getValue()), Tensors.toDoubles(b.parameters().get(e.getKey())),
            e.getKey());
      }
    }
    assertEquals(history(tmp.resolve("straight")).size(), history(tmp.resolve("resumed")).size());
  }

  /**
   * An embedding server runs two different recipes at once on one {@link Align4j}: each run's results equal the
   * results of running it alone (providers are created per run, so no run sees another's services).
   */
  @Test
  void twoDifferentRecipesRunConcurrentlyInOneJvmAsTheyDoApart(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 8);
    Path p = prompts(tmp.resolve("p.arrow"), 8);
    Align4j a4j = Align4j.create();
    java.util.function.Function<Path, RunResult> ppoRun = dir -> a4j.stage("ppo").id("ppo").input("model", base)
        .input("prompts", p).option("reward", Map.of("uses", "test-chars", "character", "e"))
        .option("iterations", 2).option("batch_size", 8).option("mini_batch_size", 4).option("max_new_tokens", 8)
        .option("optimizer", Map.of("lr", 1e-3)).defaults(RewardModelStageTest.defaults()).runIn(dir);
    java.util.function.Function<Path, RunResult> rsRun = dir -> a4j.stage("rejection-sampling").id("rs")
        .input("model", base).input("prompts", p).option("reward", Map.of("uses", "test-chars", "character", "a"))
        .option("samples_per_prompt", 3).option("max_new_tokens", 8).defaults(RewardModelStageTest.defaults())
        .runIn(dir);
    assertTrue(ppoRun.apply(tmp.resolve("ppo-alone")).ok());
    assertTrue(rsRun.apply(tmp.resolve("rs-alone")).ok());
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var a = pool.submit(() -> ppoRun.apply(tmp.resolve("ppo-together")));
      var b = pool.submit(() -> rsRun.apply(tmp.resolve("rs-together")));
      assertTrue(a.get().ok(), a.get().stages().toString());
      assertTrue(b.get().ok(), b.get().stages().toString());
    } finally {
      pool.shutdown();
    }
    try (LanguageModel x = Fixtures.MODELS.load(tmp.resolve("ppo-alone/ppo/model"));
        LanguageModel y = Fixtures.MODELS.load(tmp.resolve("ppo-together/ppo/model"))) {
      for (var e : x.parameters().entrySet()) {
        assertArrayEquals(Tensors.toDoubles(e.getValue()), Tensors.toDoubles(y.parameters().get(e.getKey())),
            e.getKey());
      }
    }
    try (var store = new ArrowDatasetStore()) {
      List<Map<String, Object>> alone = new ArrayList<>();
      List<Map<String, Object>> together = new ArrayList<>();
      try (var rows = store.rows(tmp.resolve("rs-alone/rs/samples"))) {
        rows.forEachRemaining(alone::add);
      }
      try (var rows = store.rows(tmp.resolve("rs-together/rs/samples"))) {
        rows.forEachRemaining(together::add);
      }
      assertEquals(24, alone.size());
      assertEquals(alone.toString(), together.toString(), "the same samples and rewards");
    }
    String metrics = Files.readString(tmp.resolve("rs-together/metrics.jsonl"));
    assertTrue(!metrics.contains("ppo/"), "no PPO metric leaked into the other run's metrics");
  }

  /** Bad options and inputs are refused before any generation, naming the field or file and the fix. */
  @Test
  void refusesBadOptionsAndInputs(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 5);
    Path p = prompts(tmp.resolve("p.arrow"), 4);
    var negBeta = assertThrows(RecipeException.class,
        () -> ppo(base, p, 1).option("loss", Map.of("uses", "ppo", "kl_coef", -0.1)).runIn(tmp.resolve("a")));
    assertTrue(negBeta.getMessage().contains("klCoef must be a finite number >= 0"), negBeta.getMessage());
    assertFalse(Files.exists(tmp.resolve("a/ppo")), "refused before the stage ran");
    var bigBatch = assertThrows(RecipeException.class,
        () -> ppo(base, p, 1).option("mini_batch_size", 16).runIn(tmp.resolve("a2")));
    assertTrue(bigBatch.getMessage().contains("mini_batch_size (16) must be <= batch_size x samples_per_prompt (8)"), bigBatch.getMessage());

    Path wide = tmp.resolve("wide");
    try (LanguageModel m = Fixtures.MODELS.create(org.align4j.api.model.ModelConfig.llama(2048, 64, 2, 4, 2)
        .withIntermediateSize(64), 1)) {
      Fixtures.MODELS.save(m, wide);
    }
    RunResult mismatch = ppo(base, p, 1).input("value_model", wide).runIn(tmp.resolve("b"));
    assertFalse(mismatch.ok());
    assertTrue(mismatch.stages().toString().contains("hidden_size 64"), mismatch.stages().toString());

    Path noConv = tmp.resolve("text.arrow");
    try (var store = new ArrowDatasetStore()) {
      store.write(noConv, Schemas.TEXT, List.<Map<String, Object>>of(Map.of("text", "hello")).iterator());
    }
    RunResult bad = ppo(base, noConv, 1).runIn(tmp.resolve("c"));
    assertFalse(bad.ok());
    assertTrue(bad.stages().toString().contains("row 0") && bad.stages().toString().contains("messages"),
        bad.stages().toString());
  }
}
