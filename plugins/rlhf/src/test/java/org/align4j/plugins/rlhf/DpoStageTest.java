package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Tokenizer;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoStageTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static List<Map<String, Object>> pairs() {
    var rows = new ArrayList<Map<String, Object>>();
    for (String t : Fixtures.TOPICS) {
      rows.add(Fixtures.pref("Tell me about " + t + ".", "Sure! Here is a helpful answer about " + t + ".",
          "No. I will not talk about " + t + ".", null, "significantly_better", "helpfulness"));
      rows.add(Fixtures.pref("Please explain " + t + ".", "Sure! Here is what I know about " + t + ".",
          "No. Ask someone else about " + t + ".", null, "better", "helpfulness"));
    }
    rows.add(Fixtures.pref("Hi.", "Hello.", "Hey.", null, "slightly_better", "helpfulness")); // filtered out
    return rows;
  }

  RunResult dpo(Path tmp, Path base, Path data, String reference, String runDir) {
    return Align4j.create().stage("dpo").id("dpo")
        .input("model", base).input("data", data)
        .option("loss", Map.of("uses", "dpo", "beta", 0.1, "nll_weight", 0.2))
        .option("reference", reference)
        .option("optimizer", Map.of("lr", 2e-3)).option("epochs", 3).option("batch_size", 4)
        .option("eval_fraction", 0.25)
        .option("checkpoint_every", 0)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve(runDir));
  }

  /**
   * DPO on a tiny model raises the policy's chosen-minus-rejected log-prob margin on held-out pairs; the run with
   * reference log-probs cached once gives bitwise the same losses and weights as the run computing them every step.
   */
  @Test
  void dpoRaisesTheMarginAndCachedReferenceEqualsOnTheFly(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 4);
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), pairs());
    RunResult cached = dpo(tmp, base, data, "cached", "cached");
    assertTrue(cached.ok(), cached.stages().toString());
    RunResult fly = dpo(tmp, base, data, "on_the_fly", "fly");
    assertTrue(fly.ok(), fly.stages().toString());

    Map<String, Object> eval = StageFiles.readJson(tmp.resolve("cached/dpo/eval"));
    assertEquals(18, ((Number) eval.get("train_pairs")).intValue(), eval.toString());
    assertEquals(6, ((Number) eval.get("eval_pairs")).intValue(), eval.toString());
    assertEquals(Map.of("rating slightly_better", 1), eval.get("dropped"));
    double before = RewardModelStageTest.at(eval, "before", "logp_margin");
    double after = RewardModelStageTest.at(eval, "after", "logp_margin");
    double rewardBefore = RewardModelStageTest.at(eval, "before", "reward_margin");
    double accAfter = RewardModelStageTest.at(eval, "after", "reward_accuracy");
    assertEquals(0.0, rewardBefore, 1e-4, "policy = reference before training: " + eval);
    assertTrue(after > before + 2.0, "chosen-minus-rejected margin rises on held-out pairs: " + eval);
    assertEquals(1.0, accAfter, "implicit reward ranks chosen first on every held-out pair: " + eval);

    Map<String, Object> evalFly = StageFiles.readJson(tmp.resolve("fly/dpo/eval"));
    assertEquals(eval.get("losses"), evalFly.get("losses"), "losses bitwise equal");
    assertEquals(eval.get("after"), evalFly.get("after"));
    assertArrayEquals(Files.readAllBytes(tmp.resolve("cached/dpo/model/model.safetensors")),
        Files.readAllBytes(tmp.resolve("fly/dpo/model/model.safetensors")), "weights bitwise equal");
    assertTrue(Files.isRegularFile(tmp.resolve("cached/dpo/model/tokenizer.json")));
    try (var files = Files.list(tmp.resolve("cached/.align4j/work/dpo/reference"))) {
      assertEquals(1, files.filter(p -> p.toString().endsWith(".arrow")).count(), "one cache file");
    }
    assertTrue(Files.notExists(tmp.resolve("fly/.align4j/work/dpo/reference")), "on the fly writes no cache");
  }

  /**
   * A run that crashes after its step-4 checkpoint resumes there when run again (same options, same work dir),
   * reusing the cached reference log-probs, and ends with bitwise the weights of an uninterrupted run.
   */
  @Test
  void aCrashedRunResumesFromItsCheckpointToTheSameWeights(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 4);
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), pairs());
    java.util.function.BiFunction<Integer, String, RunResult> run = (failAt, dir) -> Align4j.create().stage("dpo")
        .id("dpo").input("model", base).input("data", data)
        .option("loss", Map.of("uses", "test-flaky-dpo", "fail_at", failAt))
        .option("optimizer", Map.of("lr", 2e-3)).option("epochs", 2).option("batch_size", 4)
        .option("eval_fraction", 0.25)
        .option("checkpoint_every", 2)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve(dir));
    RunResult whole = run.apply(0, "whole");
    assertTrue(whole.ok(), whole.stages().toString());
    RunResult crashed = run.apply(5, "crash");
    assertTrue(!crashed.ok() && crashed.stages().get(0).message().contains("simulated crash"),
        crashed.stages().toString());
    Path cacheDir = tmp.resolve("crash/.align4j/work/dpo/reference");
    Path cache;
    try (var files = Files.list(cacheDir)) {
      cache = files.filter(p -> p.toString().endsWith(".arrow")).findFirst().orElseThrow();
    }
    var written = Files.getLastModifiedTime(cache);
    RunResult resumed = run.apply(5, "crash");
    assertTrue(resumed.ok(), resumed.stages().toString());
    assertEquals(written, Files.getLastModifiedTime(cache), "reference cache reused, not rewritten");
    Map<String, Object> a = StageFiles.readJson(tmp.resolve("whole/dpo/eval"));
    Map<String, Object> b = StageFiles.readJson(tmp.resolve("crash/dpo/eval"));
    assertEquals(0, ((Number) a.get("resumed_from")).intValue());
    assertEquals(4, ((Number) b.get("resumed_from")).intValue(), b.toString());
    List<?> all = (List<?>) a.get("losses");
    assertEquals(all.subList(4, all.size()), b.get("losses"), "the resumed steps' losses");
    assertArrayEquals(Files.readAllBytes(tmp.resolve("whole/dpo/model/model.safetensors")),
        Files.readAllBytes(tmp.resolve("crash/dpo/model/model.safetensors")), "weights bitwise equal");
  }

  /** IPO through the same stage, on the fly, with the edited response preferred where a row has one. */
  @Test
  void ipoAndEditedResponsesRunThroughTheStage(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 4);
    var rows = new ArrayList<Map<String, Object>>();
    for (String t : Fixtures.TOPICS) {
      rows.add(Fixtures.pref("Tell me about " + t + ".", "About " + t + ".", "No.", "Sure! Here is an answer about "
          + t + ".", "better", "helpfulness"));
    }
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), rows);
    RunResult r = Align4j.create().stage("dpo").id("ipo").input("model", base).input("data", data)
        .option("loss", Map.of("uses", "ipo", "beta", 0.1)).option("reference", "on_the_fly")
        .option("prefer_edited", true).option("optimizer", Map.of("lr", 2e-3)).option("steps", 6)
        .option("batch_size", 4)
        .option("eval_fraction", 0.25).defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Map<String, Object> eval = StageFiles.readJson(tmp.resolve("run/ipo/eval"));
    assertEquals("ipo", eval.get("loss"));
    assertEquals(6, ((Number) eval.get("steps")).intValue());
    double before = RewardModelStageTest.at(eval, "before", "logp_margin");
    double after = RewardModelStageTest.at(eval, "after", "logp_margin");
    assertTrue(after > before, "edited-over-rejected margin rises: " + eval);
  }

  /** The cache is computed once per (reference, data) and reused; other data gets another key. */
  @Test
  void referenceCacheIsReusedAndKeyedByModelAndData(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 6);
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), pairs());
    Tokenizer tok = Fixtures.tokenizer();
    try (ArrowDatasetStore store = new ArrowDatasetStore();
        LanguageModel ref = Fixtures.MODELS.load(base, org.align4j.api.engine.Models.LoadOptions.frozen())) {
      var all = new ArrayList<Preferences.Encoded>();
      for (var p : Preferences.read(store, data, new Preferences.Filter(null, null, false, false, 0)).pairs()) {
        all.add(Preferences.encode(p, Fixtures.llama3(), tok, MaskPolicy.ASSISTANT_CONTENT));
      }
      AtomicInteger loads = new AtomicInteger();
      AtomicInteger scored = new AtomicInteger();
      Path work = tmp.resolve("work");
      double[][] first = ReferenceCache.getOrCompute(store, work, base, all, () -> {
        loads.incrementAndGet();
        return () -> { };
      }, e -> {
        scored.incrementAndGet();
        return SequenceScoring.pair(ref, e);
      }, null);
      assertEquals(1, loads.get());
      assertEquals(all.size(), scored.get());
      double[][] again = ReferenceCache.getOrCompute(store, work, base, all, () -> {
        loads.incrementAndGet();
        return () -> { };
      }, e -> {
        throw new AssertionError("a cached pair was computed again");
      }, null);
      assertEquals(1, loads.get(), "no reference model loaded on reuse");
      for (int i = 0; i < all.size(); i++) {
        assertArrayEquals(first[i], again[i], 0.0, "pair " + i);
        assertArrayEquals(SequenceScoring.pair(ref, all.get(i)), again[i], 0.0, "cached = on the fly, pair " + i);
      }
      String key = ReferenceCache.key(base, all);
      assertNotEquals(key, ReferenceCache.key(base, all.subList(1, all.size())), "other data, other key");
      Path other = Fixtures.tinyModel(tmp.resolve("other"), 7);
      assertNotEquals(key, ReferenceCache.key(other, all), "other reference model, other key");
      assertNull(ReferenceCache.read(store, ReferenceCache.file(work, key), ReferenceCache.key(other, all), all));
    }
  }

  /** Llama 3's DPO rule: with assistant_content the header and termination tokens carry no log-prob. */
  @Test
  void assistantContentMaskLeavesOutTheTerminationToken(@TempDir Path tmp) throws Exception {
    Tokenizer tok = Fixtures.tokenizer();
    int eot = tok.specialId("<|eot_id|>").getAsInt();
    var p = new Preferences.Pair(0, List.of(org.align4j.api.text.Message.user("Hi there.")), List.of("Hello!", "Go."),
        0, null, null);
    var content = Preferences.encode(p, Fixtures.llama3(), tok, MaskPolicy.ASSISTANT_CONTENT);
    var full = Preferences.encode(p, Fixtures.llama3(), tok, MaskPolicy.ASSISTANT);
    for (int j = 0; j < 2; j++) {
      int[] r = content.responses()[j];
      assertEquals(eot, r[r.length - 1], "the response ends with <|eot_id|>");
      assertEquals(0, content.masks()[j][r.length - 1], "assistant_content: no loss on <|eot_id|>");
      assertEquals(1, full.masks()[j][r.length - 1], "assistant: loss on <|eot_id|>");
      byte[] seqMask = content.sequenceMask(j);
      for (int i = 0; i < content.prompt().length; i++) {
        assertEquals(0, seqMask[i], "no loss on the prompt (header tokens included)");
      }
      int ones = 0;
      for (byte b : content.masks()[j]) {
        ones += b;
      }
      assertEquals(r.length - 1, ones, "every content token counts");
    }
  }

  /**
   * The evaluation summary by hand, for a reference-free loss (SimPO-like) and with a reference: length-normalised
   * (per-token) margins and preference accuracies are there for every loss. Each policy row is {chosen sum, rejected
   * sum, chosen tokens, rejected tokens}.
   */
  @Test
  void evaluationReportsPerTokenMarginsAndAccuracyForEveryLoss() {
    double[][] pol = {{-4, -6, 2, 4}, {-3, -8, 3, 2}};
    Map<String, Object> free = DpoStage.summarize(pol, null);
    assertEquals(2, ((Number) free.get("pairs")).intValue());
    assertEquals(3.5, (double) free.get("logp_margin"), 1e-12);
    assertEquals(1.0, (double) free.get("logp_accuracy"), 1e-12);
    // per token: pair 0 chosen -2 vs rejected -1.5 (wrong way round), pair 1 -1 vs -4
    assertEquals((-0.5 + 3) / 2, (double) free.get("logp_per_token_margin"), 1e-12);
    assertEquals(0.5, (double) free.get("logp_per_token_accuracy"), 1e-12);
    assertEquals(-1.5, (double) free.get("chosen_logp_per_token"), 1e-12);
    assertEquals(-2.75, (double) free.get("rejected_logp_per_token"), 1e-12);
    assertEquals(-3.5, (double) free.get("chosen_logp"), 1e-12);
    assertEquals(-7.0, (double) free.get("rejected_logp"), 1e-12);
    assertFalse(free.containsKey("reward_margin"), "no reference, no implicit DPO reward: " + free);

    Map<String, Object> withRef = DpoStage.summarize(pol, new double[][] {{-5, -5}, {-3, -7}});
    // implicit reward (pi_c - ref_c) - (pi_r - ref_r): 1 - (-1) = 2 and 0 - (-1) = 1
    assertEquals(1.5, (double) withRef.get("reward_margin"), 1e-12);
    assertEquals(1.0, (double) withRef.get("reward_accuracy"), 1e-12);
    // per token: 1/2 - (-1)/4 = 0.75 and 0/3 - (-1)/2 = 0.5
    assertEquals(0.625, (double) withRef.get("reward_per_token_margin"), 1e-12);
    assertEquals(1.0, (double) withRef.get("reward_per_token_accuracy"), 1e-12);
    assertEquals(free.get("logp_per_token_margin"), withRef.get("logp_per_token_margin"));
  }
}
