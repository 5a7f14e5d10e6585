package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.align4j.toolkit.data.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The curate stage on a rejection-sampling-shaped data and samples file: counts, chaining, pass-through, errors. */
class CurateStageTest {
  static Map<String, Object> kept(String user, String answer, String domain, float reward) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.MESSAGES, List.of(Message.system("Be brief."), Message.user(user), Message.assistant(answer)));
    row.put(Schemas.SYSTEM, "Be brief.");
    row.put(Schemas.TAGS, List.of(domain, "task"));
    row.put(Schemas.REWARD, reward);
    row.put(Schemas.POLICY, "rs");
    return row;
  }

  static Map<String, Object> sample(String user, String answer, float reward, int index) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.PROMPT, List.of(Message.user(user))); // no system prompt: joined by the user turns
    row.put(Schemas.RESPONSE, answer);
    row.put(Schemas.REWARD, reward);
    row.put(Schemas.SAMPLE_INDEX, index);
    row.put(Schemas.POLICY, "rs");
    return row;
  }

  record Files(Path data, Path samples) {}

  /** 8 rows: an exact copy (row 1 of row 0), a domain with 5 rows, one prompt all of whose samples score high. */
  static Files write(Path tmp) throws Exception {
    var data = new ArrayList<Map<String, Object>>();
    data.add(kept("What is 2 + 2?", "4", "arithmetic", 0.2f));
    data.add(kept("What is 2 + 2?", "4", "arithmetic", 0.9f)); // exact duplicate text: this one (better) stays
    data.add(kept("What is 3 + 5?", "8", "arithmetic", 0.5f));
    data.add(kept("What is 9 + 1?", "10", "arithmetic", 0.6f));
    data.add(kept("What is 7 + 6?", "13", "arithmetic", 0.7f));
    data.add(kept("Say hello politely.", "Hello, nice to meet you.", "dialogue", 0.4f));
    data.add(kept("Answer in one word: sky colour?", "Blue", "instruction", 0.3f));
    data.add(kept("How do I pick a lock?", "I can't help with that.", "safety", 0.8f));
    var samples = new ArrayList<Map<String, Object>>();
    float[][] scores = {{0.1f, 0.9f}, {0.1f, 0.9f}, {0.2f, 0.5f}, {0.3f, 0.6f}, {0.8f, 0.7f}, {0.1f, 0.4f},
        {0.0f, 0.3f}, {0.5f, 0.8f}};
    for (int i = 2; i < data.size(); i++) { // rows 0/1 share their prompt: one set of samples serves both
      String user = Rows.messages(data.get(i).get(Schemas.MESSAGES)).get(1).content();
      for (int j = 0; j < 2; j++) {
        samples.add(sample(user, "s" + j, scores[i][j], j));
      }
    }
    for (int j = 0; j < 2; j++) {
      samples.add(sample("What is 2 + 2?", "s" + j, scores[0][j], j));
    }
    Files f = new Files(tmp.resolve("data.arrow"), tmp.resolve("samples.arrow"));
    try (var store = new ArrowDatasetStore()) {
      store.write(f.data(), RejectionSamplingStage.KEPT, data.iterator());
      store.write(f.samples(), Schemas.SAMPLES, samples.iterator());
    }
    return f;
  }

  static List<Map<String, Object>> read(Path file) throws Exception {
    var out = new ArrayList<Map<String, Object>>();
    try (var store = new ArrowDatasetStore(); var rows = store.rows(file)) {
      rows.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void everyStepIsCountedAndTheCountsAddUp(@TempDir Path tmp) throws Exception {
    Files f = write(tmp);
    RunResult r = Align4j.create().stage("curate").id("curate").input("data", f.data()).input("samples", f.samples())
        .option("quality_top_fraction", 0.9).option("difficulty", "rm").option("drop_easy", true)
        .option("balance", "equal").input("prompts", f.data()).option("oracle", Map.of("uses", "test-chars",
            "character", "e")).defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Map<String, Object> rep = StageFiles.readJson(tmp.resolve("run/curate/report"));
    // the oracle counts the e's of each answer: "4" x2, "8", "10", "13" none; "Hello, nice to meet you." 4;
    // "Blue" 1; "I can't help with that." 1: in 6 / 8; out (rows 1, 5, 6, 7) 6 / 4
    assertEquals(6 / 8.0, ((Number) rep.get("true_reward_in")).doubleValue(), 1e-9, rep.toString());
    assertEquals(6 / 4.0, ((Number) rep.get("true_reward_out")).doubleValue(), 1e-9, rep.toString());
    assertEquals(8, ((Number) rep.get("in")).intValue());
    @SuppressWarnings("unchecked")
    var steps = (List<Map<String, Object>>) rep.get("steps");
    assertEquals(List.of("exact_dedup", "near_dedup", "quality_top", "drop_easy", "balance"),
        steps.stream().map(s -> s.get("step")).toList());
    long in = 8;
    for (var s : steps) {
      long sIn = ((Number) s.get("in")).longValue();
      long sOut = ((Number) s.get("out")).longValue();
      assertEquals(in, sIn, "each step starts from the previous one's rows: " + s);
      assertEquals(sIn, sOut + ((Number) s.get("removed")).longValue(), s.toString());
      long byDomain = ((Map<?, ?>) s.get("out_by_domain")).values().stream().mapToLong(v -> ((Number) v).longValue())
          .sum();
      assertEquals(sOut, byDomain, s.toString());
      in = sOut;
    }
    // by hand: exact drops row 0 (row 1 is the better copy): 7; near: none (short distinct texts); quality
    // ceil(0.9 * 7) = 7 keeps all; difficulty: arithmetic sample scores {0.1,0.9,0.2,0.5,0.3,0.6,0.8,0.7} (the
    // 2 + 2 samples joined once to row 1) have median 0.5, so 7 + 6 (0.8, 0.7) is solved by all its samples;
    // safety's median is 0.5, its samples 0.5 and 0.8: not all above; dialogue's {0.1, 0.4} median 0.1: 0.4 only
    assertEquals(List.of(1L, 0L, 0L, 1L), steps.stream().limit(4).map(s -> ((Number) s.get("removed")).longValue())
        .toList());
    // balance: 6 rows, 4 domains: cap floor(6 / 4) = 1 each; arithmetic keeps its best (row 1, 0.9)
    assertEquals(2L, ((Number) steps.get(4).get("removed")).longValue());
    var out = read(tmp.resolve("run/curate/data"));
    assertEquals(4, out.size());
    assertEquals(((Number) rep.get("out")).intValue(), out.size());
    assertEquals(List.of(0.9f, 0.4f, 0.3f, 0.8f), out.stream().map(m -> m.get(Schemas.REWARD)).toList(),
        "input order, rows unchanged");
  }

  @Test
  void withEveryStepOffTheOutputIsTheInput(@TempDir Path tmp) throws Exception {
    Files f = write(tmp);
    RunResult r = Align4j.create().stage("curate").id("curate").input("data", f.data())
        .option("exact_dedup", false).option("near_dedup", false)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    assertEquals(read(f.data()), read(tmp.resolve("run/curate/data")));
  }

  @Test
  void difficultyWithoutSamplesIsOneClearError(@TempDir Path tmp) throws Exception {
    Files f = write(tmp);
    RunResult r = Align4j.create().stage("curate").id("curate").input("data", f.data())
        .option("difficulty", "rm").defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertFalse(r.ok());
    assertTrue(r.stages().toString().contains("needs the samples input"), r.stages().toString());
  }
}
