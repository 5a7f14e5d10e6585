package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.align4j.toolkit.data.Rows;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RejectionSamplingStageTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static Map<String, Object> conv(List<Message> messages, Float reward) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.MESSAGES, messages);
    row.put(Schemas.SYSTEM, null);
    row.put(Schemas.TAGS, null);
    row.put(Schemas.REWARD, reward);
    row.put(Schemas.POLICY, "round-1");
    return row;
  }

  /**
   * Keeps, per prompt, the sample the reward scores highest (recomputed here from the sample text), writes every
   * sample, merges earlier rounds (the higher reward wins, prompts only there are kept) and reports best-of-N.
   */
  @Test
  void keepsTheBestSamplePerPromptAndMergesEarlierRounds(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("policy"), 8);
    var promptRows = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < 5; i++) {
      promptRows.add(conv(List.of(Message.user("Tell me about " + Fixtures.TOPICS[i] + ".")), null));
    }
    // an SFT conversation works as a prompt too: its answer is dropped
    promptRows.add(conv(List.of(Message.user("Tell me about maps."), Message.assistant("Old answer.")), null));
    Path prompts = tmp.resolve("prompts.arrow");
    Path previous = tmp.resolve("previous.arrow");
    try (var store = new ArrowDatasetStore()) {
      store.write(prompts, RejectionSamplingStage.KEPT, promptRows.iterator());
      store.write(previous, RejectionSamplingStage.KEPT, List.of(
          conv(List.of(Message.user("Tell me about rivers."), Message.assistant("eeeeeeeeee")), 1e6f),
          conv(List.of(Message.user("Tell me about cats."), Message.assistant("no")), -1f),
          conv(List.of(Message.user("Tell me about owls."), Message.assistant("Owls hoot.")), 0.5f)).iterator());
    }
    RunResult r = Align4j.create().stage("rejection-sampling").id("rs")
        .input("model", base).input("prompts", prompts).input("previous", previous)
        .option("reward", Map.of("uses", "test-chars", "character", "e"))
        .option("samples_per_prompt", 4).option("max_new_tokens", 12).option("temperature", 1.0)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());

    Map<String, List<Map<String, Object>>> samplesByPrompt = new HashMap<>();
    Map<String, List<Map<String, Object>>> kept = new HashMap<>();
    try (var store = new ArrowDatasetStore()) {
      try (var rows = store.rows(tmp.resolve("run/rs/samples"))) {
        while (rows.hasNext()) {
          var row = rows.next();
          String user = Rows.messages(row.get(Schemas.PROMPT)).get(0).content();
          samplesByPrompt.computeIfAbsent(user, x -> new ArrayList<>()).add(row);
          assertEquals(CharCountRewardProvider.count((String) row.get(Schemas.RESPONSE), "e"),
              ((Number) row.get(Schemas.REWARD)).doubleValue(), "reward of the sample text");
        }
      }
      try (var rows = store.rows(tmp.resolve("run/rs/data"))) {
        while (rows.hasNext()) {
          var row = rows.next();
          String user = Rows.messages(row.get(Schemas.MESSAGES)).get(0).content();
          kept.computeIfAbsent(user, x -> new ArrayList<>()).add(row);
        }
      }
    }
    assertEquals(6, samplesByPrompt.size());
    samplesByPrompt.values().forEach(v -> assertEquals(4, v.size()));
    assertEquals(7, kept.size(), "5 new prompts + maps + owls from the previous round: " + kept.keySet());
    kept.values().forEach(v -> assertEquals(1, v.size(), "one row per prompt"));
    assertEquals("eeeeeeeeee", answer(kept.get("Tell me about rivers.").get(0)), "previous round's better sample wins");
    assertEquals("Owls hoot.", answer(kept.get("Tell me about owls.").get(0)), "prompts only in earlier rounds stay");
    for (String user : List.of("Tell me about cats.", "Tell me about music.", "Tell me about maps.")) {
      var samples = samplesByPrompt.get(user);
      double best = samples.stream().mapToDouble(s -> ((Number) s.get(Schemas.REWARD)).doubleValue()).max().orElseThrow();
      var row = kept.get(user).get(0);
      assertEquals(best, ((Number) row.get(Schemas.REWARD)).doubleValue(), user);
      assertEquals(best, CharCountRewardProvider.count(answer(row), "e"), user);
      assertTrue(samples.stream().anyMatch(s -> s.get(Schemas.RESPONSE).equals(answer(row))), "kept one of its samples");
      assertEquals(2, Rows.messages(row.get(Schemas.MESSAGES)).size(), "prompt + the best answer");
    }
    Map<String, Object> report = StageFiles.readJson(tmp.resolve("run/rs/report"));
    Map<String, Object> curve = RewardModelStageTest.at(report, "best_of_n");
    assertEquals(List.of("1", "2", "4"), List.copyOf(curve.keySet()));
    // the report recomputed by hand from the written samples: best of the first n samples (by sample_index),
    // the median of 4 is the mean of the middle two
    double[] bestOfFirst = new double[5];
    double medians = 0;
    double bests = 0;
    double means = 0;
    for (var samples : samplesByPrompt.values()) {
      double[] rewards = new double[4];
      for (var sample : samples) {
        rewards[((Number) sample.get(Schemas.SAMPLE_INDEX)).intValue()] = ((Number) sample.get(Schemas.REWARD)).doubleValue();
      }
      for (int n : new int[] {1, 2, 4}) {
        bestOfFirst[n] += Arrays.stream(rewards, 0, n).max().orElseThrow() / samplesByPrompt.size();
      }
      double[] sorted = rewards.clone();
      Arrays.sort(sorted);
      medians += (sorted[1] + sorted[2]) / 2 / samplesByPrompt.size();
      bests += sorted[3] / samplesByPrompt.size();
      means += Arrays.stream(rewards).sum() / 4 / samplesByPrompt.size();
    }
    for (int n : new int[] {1, 2, 4}) {
      assertEquals(bestOfFirst[n], ((Number) curve.get(String.valueOf(n))).doubleValue(), 1e-9, "best of " + n + ": " + report);
    }
    assertEquals(bests, ((Number) report.get("mean_best")).doubleValue(), 1e-9, report.toString());
    assertEquals(medians, ((Number) report.get("mean_median")).doubleValue(), 1e-9, report.toString());
    assertEquals(means, ((Number) report.get("mean_reward")).doubleValue(), 1e-9, report.toString());
    assertEquals(bests - medians, ((Number) report.get("max_minus_median")).doubleValue(), 1e-9, report.toString());
    assertEquals(1, ((Number) report.get("previous_replaced_new")).intValue(), report.toString());
  }

  static String answer(Map<String, Object> row) {
    var m = Rows.messages(row.get(Schemas.MESSAGES));
    return m.get(m.size() - 1).content();
  }

  @Test
  void bestOfNReportByHand() {
    var rep = RejectionSamplingStage.report(List.of(new double[] {1, 5, 2}, new double[] {4, 0, 3}), 3);
    assertEquals((8 / 3.0 + 7 / 3.0) / 2, (double) rep.get("mean_reward"), 1e-12);
    assertEquals((2 + 3) / 2.0, (double) rep.get("mean_median"), 1e-12);
    assertEquals((5 + 4) / 2.0, (double) rep.get("mean_best"), 1e-12);
    assertEquals(2.0, (double) rep.get("max_minus_median"), 1e-12);
    assertEquals(Map.of("1", 2.5, "2", 4.5, "3", 4.5), rep.get("best_of_n"));

    // the curve takes the first n samples in sampling order, up to K = 5 (not a power of two): by hand
    var five = RejectionSamplingStage.report(List.of(new double[] {0, 0, 0, 9, 1}, new double[] {3, 1, 4, 1, 5}), 5);
    assertEquals(List.of("1", "2", "4", "5"), List.copyOf(((Map<?, ?>) five.get("best_of_n")).keySet()));
    assertEquals(Map.of("1", 1.5, "2", 1.5, "4", 6.5, "5", 7.0), five.get("best_of_n"));
    assertEquals((10 / 5.0 + 14 / 5.0) / 2, (double) five.get("mean_reward"), 1e-12);
    assertEquals((0 + 3) / 2.0, (double) five.get("mean_median"), 1e-12);
    assertEquals(7.0, (double) five.get("mean_best"), 1e-12);
    assertEquals(5.5, (double) five.get("max_minus_median"), 1e-12);
  }

  @Test
  void trueRewardReportJudgesTheSelectionByHand() {
    List<double[]> truth = List.of(new double[] {1, 0, 1, 0.5}, new double[] {0, 0, 1, 1});
    List<double[]> selector = List.of(new double[] {0.2, 0.9, 0.1, 0.3}, new double[] {5, 1, 4, 6});
    var rep = RejectionSamplingStage.truthReport(truth, selector, 4);
    // first N samples: N=1 {1},{0}; N=2 {1,0},{0,0}; N=4 all. The selector picks index 0,0 / 1,0 / 1,3
    assertEquals(Map.of("1", 0.5, "2", 0.5, "4", 1.0), rep.get("best_of_n_max"));
    assertEquals(Map.of("1", 0.5, "2", 0.25, "4", 0.625), rep.get("best_of_n_median"));
    assertEquals(Map.of("1", 0.5, "2", 0.0, "4", 0.5), rep.get("best_of_n_picked"));
    assertEquals((2.5 / 4 + 0.5) / 2, (double) rep.get("mean"), 1e-12);
    assertEquals(0.5 - 0.5625, (double) rep.get("picked_minus_mean"), 1e-12);
    assertEquals((0.5 - 0.5625) / (1 - 0.5625), (double) rep.get("headroom_taken"), 1e-12);
    // the selector being the truth itself takes all of the headroom
    assertEquals(1.0, (double) RejectionSamplingStage.truthReport(truth, truth, 4).get("headroom_taken"), 1e-12);

    // by domain: prompt 0 (math) picks index 1 (truth 0) of mean 0.625; prompt 1 (chat) picks index 3 (truth 1)
    var byDomain = RejectionSamplingStage.truthByDomain(truth, selector, List.of("math", "chat"), 4);
    assertEquals(List.of("chat", "math"), List.copyOf(byDomain.keySet()));
    var math = (Map<?, ?>) byDomain.get("math");
    assertEquals(1, math.get("prompts"));
    assertEquals(0.625, (double) math.get("mean"), 1e-12);
    assertEquals(0.0, (double) math.get("picked"), 1e-12);
    assertEquals(-0.625 / 0.375, (double) math.get("headroom_taken"), 1e-12); // (0 - 0.625) / (1 - 0.625)
    var chat = (Map<?, ?>) byDomain.get("chat");
    assertEquals(1.0, (double) chat.get("picked"), 1e-12);
    assertEquals(1.0, (double) chat.get("headroom_taken"), 1e-12);
  }
}
