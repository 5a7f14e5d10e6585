package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Tokenizer;
import org.align4j.core.Align4j;
import org.align4j.core.pipeline.RunResult;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelStageTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static Map<String, Object> defaults() {
    return Map.of("threads", 1, "seed", 5, "chat_format", "llama3", "tokenizer", Fixtures.tokenizerDir().toString());
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Map<String, Object> m, String... keys) {
    Object v = m;
    for (String k : keys) {
      v = ((Map<String, Object>) v).get(k);
    }
    return (T) v;
  }

  /**
   * The Llama 2 recipe (ranking loss with the small margin, pairs layout) on a set where significantly_better pairs
   * are separable and negligibly_better pairs are coin flips: held-out accuracy rises on the separable bucket and
   * stays highest there, as the paper reports per rating bucket.
   */
  @Test
  void trainingRaisesHeldOutAccuracyMostOnSignificantlyBetterPairs(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 1);
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), Fixtures.separable(48, 2));
    RunResult r = Align4j.create().stage("reward-model").id("rm")
        .input("model", base).input("data", data)
        .option("loss", Map.of("uses", "ranking", "margin", "small"))
        .option("optimizer", Map.of("lr", 3e-3, "warmup_steps", 2)).option("epochs", 4).option("batch_size", 8)
        .option("eval_fraction", 0.25).option("checkpoint_every", 0)
        .defaults(defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Path model = tmp.resolve("run/rm/model");
    assertTrue(Files.isRegularFile(model.resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")), "tokenizer copied beside the checkpoint");
    Map<String, Object> eval = StageFiles.readJson(tmp.resolve("run/rm/eval"));
    double sigMarginBefore = at(eval, "before", "by_rating", "significantly_better", "mean_margin");
    double sigMarginAfter = at(eval, "after", "by_rating", "significantly_better", "mean_margin");
    double sigAfter = at(eval, "after", "by_rating", "significantly_better", "accuracy");
    double negAfter = at(eval, "after", "by_rating", "negligibly_better", "accuracy");
    double allAfter = at(eval, "after", "accuracy");
    assertEquals(24, ((Number) eval.get("eval_pairs")).intValue(), eval.toString());
    assertTrue(sigAfter >= 0.95, "separable pairs learned: " + eval);
    // a random head already orders one consistent difference one way or the other; training must make it large
    assertTrue(Math.abs(sigMarginBefore) < 0.2 && sigMarginAfter > 1.0, "margin grows on held-out pairs: " + eval);
    assertTrue(allAfter > 0.5, eval.toString());
    assertTrue(sigAfter > negAfter, "highest on significantly_better: " + eval);
    // the checkpoint has a scalar head and loads as a reward model
    assertEquals(1, Fixtures.MODELS.readConfig(model).scoreHeads());

    // ... which the `reward-model` reward serves to evaluate / rejection sampling, scoring like the stage did
    var components = Fixtures.services().get(org.align4j.api.Components.class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    var bound = components.resolve((Class) org.align4j.api.reward.RewardProvider.class,
        new org.align4j.api.ComponentRef("reward-model", Map.of("model", model.toString())));
    @SuppressWarnings({"unchecked", "rawtypes"})
    var reward = (org.align4j.api.reward.Reward) ((org.align4j.api.reward.RewardProvider) bound.provider())
        .create(bound.options());
    var prompt = List.of(org.align4j.api.text.Message.user("Tell me about owls."));
    var results = reward.scoreAll(List.of(prompt, prompt), List.of("Sure! Here is a helpful answer about owls.",
        "No. I will not talk about owls."), List.of(Map.of(), Map.of()));
    assertTrue(results.get(0).score() > results.get(1).score() + 1.0, "unseen topic: " + results);
    assertEquals("reward-model", results.get(0).label());
    var pair = Preferences.encode(new Preferences.Pair(0, prompt, List.of("Sure! Here is a helpful answer about owls.",
        "No. I will not talk about owls."), 0, null, null), Fixtures.llama3(), Fixtures.tokenizer(), MaskPolicy.ASSISTANT);
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
        LanguageModel m = Fixtures.MODELS.load(model, org.align4j.api.engine.Models.LoadOptions.frozen())) {
      double[] stage = Tensors.toDoubles(RewardScoring.score(m, List.of(pair), RewardModelStage.Layout.PAIRS, false)
          .batch().scores());
      // the reward subtracts the stage's score_offset: the mean raw score of the training responses
      double offset = ((Number) eval.get("score_offset")).doubleValue();
      assertEquals(stage[0] - offset, results.get(0).score(), 1e-5);
      assertEquals(stage[1] - offset, results.get(1).score(), 1e-5);
    }
    ((AutoCloseable) reward).close();
  }

  /**
   * Held-out accuracy against the truth, not only the noisy labels: pairs whose true rewards differ count toward
   * {@code true_order} (the model's order agrees with the true order, whichever response the annotator chose), equal
   * true rewards count as ties, rows without true rewards count nowhere; {@code by_task} groups by the task column.
   */
  @Test
  void evaluationScoresTheModelAgainstTrueRewardsAndByTask(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 1);
    var prompt = List.of(org.align4j.api.text.Message.user("Tell me about owls."));
    List<String> two = List.of("Sure! Here is a helpful answer about owls.", "No. I will not talk about owls.");
    double[] gaps = {1.0, -0.5, 0.0, Double.NaN, 0.25};
    String[] tasks = {"add", "add", "spell", null, "spell"};
    List<Preferences.Encoded> eval = new ArrayList<>();
    for (int i = 0; i < gaps.length; i++) {
      List<String> rs = i % 2 == 0 ? two : List.of(two.get(1), two.get(0));
      eval.add(Preferences.encode(new Preferences.Pair(i, prompt, rs, 0, null, "helpfulness", tasks[i], gaps[i]),
          Fixtures.llama3(), Fixtures.tokenizer(), MaskPolicy.ASSISTANT));
    }
    var options = new org.align4j.core.recipe.OptionsBinder(org.align4j.core.plugin.PluginRegistry.classpath())
        .bindPlain(RewardModelStage.Options.class, Map.of(), "reward-model");
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
        LanguageModel m = Fixtures.MODELS.load(base, org.align4j.api.engine.Models.LoadOptions.withScoreHead(3))) {
      double[] sc = Tensors.toDoubles(RewardScoring.score(m, eval, RewardModelStage.Layout.PAIRS, false)
          .batch().scores());
      // by hand: row i scores (chosen, rejected) = (sc[2i], sc[2i+1]); agreement with the true order where gap != 0
      int agree = 0;
      for (int i : new int[] {0, 1, 4}) {
        agree += Math.signum(gaps[i]) * (sc[2 * i] - sc[2 * i + 1]) > 0 ? 1 : 0;
      }
      Map<String, Object> out = new RewardModelStage().evaluate(m, eval, options);
      assertEquals(3L, (long) at(out, "true_order", "pairs"), out.toString());
      assertEquals(1L, (long) at(out, "true_order", "true_ties"), out.toString());
      assertEquals(agree / 3.0, (double) at(out, "true_order", "accuracy"), 1e-12, out.toString());
      assertEquals(2L, (long) at(out, "by_task", "add", "pairs"));
      assertEquals(2L, (long) at(out, "by_task", "spell", "pairs"));
      assertEquals(5L, (long) at(out, "pairs"));
    }
  }

  /**
   * With nothing held out, every pair trains, and the stored offset is the mean raw score of all their responses,
   * computed here from the saved checkpoint: the centred reward averages zero over the training responses.
   */
  @Test
  void scoreOffsetIsTheMeanRawScoreOfTheTrainingResponses(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 1);
    List<Map<String, Object>> rows = Fixtures.separable(6, 3);
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), rows);
    RunResult r = Align4j.create().stage("reward-model").id("rm")
        .input("model", base).input("data", data)
        .option("optimizer", Map.of("lr", 3e-3, "warmup_steps", 1)).option("batch_size", 4)
        .option("eval_fraction", 0.0).option("checkpoint_every", 0)
        .defaults(defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Path model = tmp.resolve("run/rm/model");
    double offset = ((Number) StageFiles.readJson(model.resolve(StageFiles.REWARD_META)).get("score_offset"))
        .doubleValue();
    double sum = 0;
    int n = 0;
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
        LanguageModel m = Fixtures.MODELS.load(model, org.align4j.api.engine.Models.LoadOptions.frozen())) {
      for (Map<String, Object> row : rows) {
        @SuppressWarnings("unchecked")
        var prompt = (List<org.align4j.api.text.Message>) row.get("prompt");
        var pair = Preferences.encode(new Preferences.Pair(0, prompt, List.of((String) row.get("chosen"),
            (String) row.get("rejected")), 0, null, null), Fixtures.llama3(), Fixtures.tokenizer(), MaskPolicy.ASSISTANT);
        for (double v : Tensors.toDoubles(RewardScoring.score(m, List.of(pair), RewardModelStage.Layout.PAIRS, false)
            .batch().scores())) {
          sum += v;
          n++;
        }
      }
    }
    assertEquals(24, n);
    assertTrue(Math.abs(offset) > 1e-3, "an untrained level is not zero by chance: " + offset);
    assertEquals(sum / n, offset, 1e-4, "offset = mean raw score of the training responses");
  }

  /** Llama 3's rows (prompt once, then edited, chosen, rejected) score like one (prompt, response) row each. */
  /** Issue 15: an empty preference file names itself, the stage and its input, and the fix. */
  @Test
  void emptyPreferenceDataIsNamed(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 1);
    Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "");
    RunResult r = Align4j.create().stage("reward-model").id("rm").input("model", base).input("data", empty)
        .option("checkpoint_every", 0).defaults(defaults()).runIn(tmp.resolve("run"));
    assertTrue(!r.ok() && r.stages().get(0).message().startsWith(empty + ": input 'data' of stage 'rm' holds no"
        + " preference pairs (an empty dataset)"), r.stages().toString());
  }

  @Test
  void sharedPrefixRowsScoreLikeSeparateRows(@TempDir Path tmp) throws Exception {
    var cfg = Fixtures.tinyConfig().withScoreHeads(1);
    Tokenizer tok = Fixtures.tokenizer();
    ChatFormat format = Fixtures.llama3();
    var rows = List.of(
        Fixtures.pref("Tell me about rivers.", "Rivers flow to the sea.", "No.", "Rivers flow downhill to the sea.",
            "better", "helpfulness"),
        Fixtures.pref("And cats?", "Cats purr.", "I will not say.", null, "significantly_better", "helpfulness"),
        Fixtures.pref("Music, please.", "Music is sound in time.", "Music is bad for you, stop it.", "Music is organised"
            + " sound.", "slightly_better", "helpfulness"));
    Path data = Fixtures.writePrefs(tmp.resolve("p.arrow"), rows);
    List<Preferences.Encoded> enc = new ArrayList<>();
    try (var store = new org.align4j.core.data.ArrowDatasetStore()) {
      var f = new Preferences.Filter(null, null, true, false, 0);
      for (var p : Preferences.read(store, data, f).pairs()) {
        enc.add(Preferences.encode(p, format, tok, MaskPolicy.ASSISTANT));
      }
    }
    assertEquals(3, enc.get(0).responses().length);
    assertEquals(2, enc.get(1).responses().length);
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
        LanguageModel m = Fixtures.MODELS.create(cfg, 9)) {
      var pairs = RewardScoring.score(m, enc, RewardModelStage.Layout.PAIRS, true).batch();
      var shared = RewardScoring.score(m, enc, RewardModelStage.Layout.SHARED_PREFIX, true).batch();
      double[] a = Tensors.toDoubles(pairs.scores());
      double[] b = Tensors.toDoubles(shared.scores());
      double[] valid = Tensors.toDoubles(shared.valid());
      assertEquals(9, a.length);
      assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0), java.util.Arrays.stream(valid).boxed().toList());
      for (int i = 0; i < a.length; i++) {
        if (valid[i] != 0) {
          assertEquals(a[i], b[i], 1e-5, "score " + i);
        }
      }
      // can fail: responses get different scores
      assertTrue(Math.abs(a[0] - a[1]) > 1e-5 && Math.abs(a[1] - a[2]) > 1e-5, java.util.Arrays.toString(a));
    }
  }

  /** The Llama 3 recipe: ranking-multi over edited > chosen > rejected in shared-prefix rows, through the stage. */
  @Test
  void llama3MultiResponseRecipeRuns(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 3);
    var rows = new ArrayList<Map<String, Object>>();
    for (String t : Fixtures.TOPICS) {
      rows.add(Fixtures.pref("Tell me about " + t + ".", "Here is a helpful answer about " + t + ".",
          "No. I will not talk about " + t + ".", "Sure! Here is a careful, helpful answer about " + t + ".",
          "significantly_better", "helpfulness"));
      rows.add(Fixtures.pref("Is " + t + " nice?", "Yes.", "Yes!", null, "slightly_better", "helpfulness"));
    }
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), rows);
    RunResult r = Align4j.create().stage("reward-model").id("rm3")
        .input("model", base).input("data", data)
        .option("loss", Map.of("uses", "ranking-multi")).option("layout", "shared_prefix").option("use_edited", true)
        .option("ratings", List.of("significantly_better", "better"))
        .option("optimizer", Map.of("lr", 3e-3)).option("epochs", 2).option("batch_size", 4)
        .option("eval_fraction", 0.25)
        .defaults(defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Map<String, Object> eval = StageFiles.readJson(tmp.resolve("run/rm3/eval"));
    assertEquals(12, ((Number) eval.get("train_pairs")).intValue() + ((Number) eval.get("eval_pairs")).intValue(),
        "only significantly_better/better rows kept: " + eval);
    assertEquals(Map.of("rating slightly_better", 12), eval.get("dropped"));
    assertTrue(((Map<?, ?>) eval.get("after")).containsKey("edited_over_chosen"), eval.toString());
    assertEquals("shared_prefix", eval.get("layout"));
  }

  /**
   * A reward model trained on coin-flip pairs does not beat chance on its held-out pairs: the stage records it (and
   * warns), and a rejection-sampling stage that selects with it, directly or inside llama2-piecewise, names it in its
   * report. The same stages on a separable set record the opposite, so the check tells the two apart.
   */
  @Test
  void rewardModelAtChanceIsFlaggedAndRejectionSamplingSaysSo(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 4);
    var coinFlips = new ArrayList<Map<String, Object>>();
    var separable = new ArrayList<Map<String, Object>>();
    for (var row : Fixtures.separable(48, 3)) {
      (row.get("rating").equals("negligibly_better") ? coinFlips : separable).add(row);
    }
    Path prompts = tmp.resolve("prompts.arrow");
    try (var store = new org.align4j.core.data.ArrowDatasetStore()) {
      var rows = new ArrayList<Map<String, Object>>();
      for (String t : List.of("rivers", "cats")) {
        rows.add(RejectionSamplingStageTest.conv(List.of(org.align4j.api.text.Message.user("Tell me about " + t + "."))
            , null));
      }
      store.write(prompts, RejectionSamplingStage.KEPT, rows.iterator());
    }
    for (String set : List.of("coin-flips", "separable")) {
      Path data = Fixtures.writePrefs(tmp.resolve(set + ".arrow"), set.equals("separable") ? separable : coinFlips);
      Path run = tmp.resolve("run-" + set);
      RunResult rm = Align4j.create().stage("reward-model").id("rm")
          .input("model", base).input("data", data)
          .option("loss", Map.of("uses", "ranking", "margin", "none"))
          .option("optimizer", Map.of("lr", 3e-3, "warmup_steps", 2)).option("epochs", 4).option("batch_size", 8)
          .option("eval_fraction", 0.5).option("checkpoint_every", 0)
          .defaults(defaults()).runIn(run);
      assertTrue(rm.ok(), rm.stages().toString());
      Map<String, Object> eval = StageFiles.readJson(run.resolve("rm/eval"));
      double acc = at(eval, "after", "accuracy");
      double se = at(eval, "after", "se");
      assertEquals(Math.sqrt(acc * (1 - acc) / 24), se, 1e-9, eval.toString());
      boolean beats = set.equals("separable");
      assertEquals(beats, eval.get(RewardModelStage.BEATS_CHANCE), eval.toString());
      assertEquals(beats, (Double) eval.get("chance_z") > RewardModelStage.CHANCE_Z, eval.toString());
      String model = run.resolve("rm/model").toString();
      Map<String, Object> rmReward = Map.of("uses", "reward-model", "model", model);
      RunResult rs = Align4j.create().stage("rejection-sampling").id("rs")
          .input("model", base).input("prompts", prompts)
          .option("reward", Map.of("uses", "llama2-piecewise", "safety", rmReward, "helpfulness", rmReward))
          .option("samples_per_prompt", 2).option("max_new_tokens", 4).option("temperature", 1.0)
          .defaults(defaults()).runIn(run);
      assertTrue(rs.ok(), rs.stages().toString());
      List<?> flagged = (List<?>) StageFiles.readJson(run.resolve("rs/report")).get("reward_models_at_chance");
      assertEquals(beats ? 0 : 2, flagged.size(), set + ": " + flagged);
    }
  }

  /**
   * Llama 2's data mixing: all pairs of the RM's domain plus the other domain's pairs as the given fraction of the
   * training set (capped by what there is); held-out pairs only of the RM's domain.
   */
  @Test
  void mixAddsAFractionOfTheOtherDomainToTraining(@TempDir Path tmp) throws Exception {
    var rows = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < 40; i++) {
      String t = Fixtures.TOPICS[i % Fixtures.TOPICS.length] + i;
      rows.add(Fixtures.pref("Is " + t + " safe?", "I cannot help with that.", "Sure.", null, "better", "safety"));
      rows.add(Fixtures.pref("Tell me about " + t + ".", "About " + t + ".", "No.", null, "better", "helpfulness"));
      rows.add(Fixtures.pref("Name " + t + ".", t + ".", "No.", null, "better", "helpfulness"));
    }
    Path data = Fixtures.writePrefs(tmp.resolve("prefs.arrow"), rows);
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 2);
    for (var c : List.of(Map.of("domain", "safety", "other", "helpfulness", "fraction", 0.1),
        Map.of("domain", "helpfulness", "other", "safety", "fraction", 0.2))) {
      String id = "rm-" + c.get("domain");
      RunResult r = Align4j.create().stage("reward-model").id(id)
          .input("model", base).input("data", data)
          .option("domains", List.of(c.get("domain"))).option("mix", Map.of(c.get("other"), c.get("fraction")))
          .option("optimizer", Map.of("lr", 1e-3)).option("steps", 1).option("batch_size", 4).option("eval_fraction", 0.25)
          .option("checkpoint_every", 0).option("eval_before", false)
          .defaults(defaults()).runIn(tmp.resolve("run"));
      assertTrue(r.ok(), r.stages().toString());
      Map<String, Object> eval = StageFiles.readJson(tmp.resolve("run/" + id + "/eval"));
      long primary = ((Number) at(eval, "mixed_in", "primary")).longValue();
      long other = ((Number) at(eval, "mixed_in", (String) c.get("other"))).longValue();
      double fraction = (Double) c.get("fraction");
      // about 30 safety and 60 helpfulness pairs train: neither case asks for more of the other than there is
      assertEquals(Math.round(primary * fraction / (1 - fraction)), other, eval.toString());
      assertTrue(other > 0 && other < primary, eval.toString());
      assertEquals(primary + other, ((Number) eval.get("train_pairs")).longValue(), eval.toString());
      Map<String, Object> domains = at(eval, "after", "by_domain");
      assertEquals(List.of(c.get("domain")), List.copyOf(domains.keySet()), "held out: the RM's domain only");
    }
  }
}
