package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recipes/llama2-chat.yaml} shortened with --set. Asserts what holds at any size, from the run's own outputs
 * (the README's Llama 2 section has the full-size figures, where the RLHF versions fall below SFT): every version is
 * evaluated paired against SFT on the same held-out prompts; both reward models report held-out accuracy per rating
 * level with its chance test; each rejection-sampling round names exactly the reward models that failed that test
 * among those it selected with; the report shows all three comparisons. Ghost Attention: every sampled dialogue is
 * kept or dropped, the kept ones keep the rule in every turn, carry the instruction once (the system message) and
 * train on their last answer only (exact token masks); adherence is measured for each of 8 turns before and after.
 * Whether GAtt raises late-turn adherence is not asserted (at this size it does not reliably; see the README).
 */
class Llama2RecipeTest {
  @TempDir static Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  static String[] args(Path run) {
    var a = new ArrayList<>(List.of("run", Repo.root().resolve("recipes/llama2-chat.yaml").toString(),
        "--set", "run_dir=" + run,
        "--set", "stages.tasks.options.sft_examples=1200",
        "--set", "stages.tasks.options.corpus_documents=4000",
        "--set", "stages.tasks.options.eval_prompts=120",
        "--set", "stages.tasks.options.train_prompts=150",
        "--set", "stages.tasks.options.gatt_dialogues=100",
        "--set", "stages.tasks.options.gatt_eval_dialogues=30",
        "--set", "stages.preference-prompts.options.train_prompts=800",
        "--set", "stages.safety-preferences.options.preference_pairs=200",
        "--set", "stages.rs-prompts.options.train_prompts=150",
        "--set", "stages.pretrain.options.steps=150",
        "--set", "stages.sft.options.steps=100",
        "--set", "stages.gatt.options.steps=20",
        "--set", "stages.rlhf-v3.options.iterations=3",
        "--set", "stages.rlhf-v3.options.batch_size=8",
        "--set", "stages.rlhf-v3.options.mini_batch_size=16"));
    for (int round = 1; round <= 2; round++) {
      a.addAll(List.of("--set", "stages.rs-v" + round + ".options.samples_per_prompt=4",
          "--set", "stages.rlhf-v" + round + ".options.steps=20"));
    }
    return a.toArray(String[]::new);
  }

  static JsonNode json(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  @Test
  void everyVersionIsEvaluatedAndSelectionByAChanceLevelRewardModelIsNamed() throws Exception {
    Path run = dir.resolve("llama2");
    var cli = Cli.run(args(run));
    assertEquals(0, cli.exit(), cli.toString());

    for (String[] e : new String[][] {{"eval-v1", "rlhf-v1"}, {"eval-v2", "rlhf-v2"}, {"eval-gatt", "gatt"},
        {"eval", "llama2-chat"}}) {
      JsonNode cmp = json(run.resolve(e[0] + "/evaluation/summary.json")).path("comparison");
      assertEquals(e[1], cmp.path("policy").asText());
      assertEquals("sft", cmp.path("baseline").asText());
      assertTrue(cmp.has("paired_z") && cmp.path("prompts").asLong() > 0, e[0] + ": " + cmp);
    }

    Set<String> atChance = new HashSet<>();
    for (String rm : List.of("rm-helpfulness", "rm-safety")) {
      JsonNode eval = json(run.resolve(rm + "/eval"));
      assertTrue(eval.path("after").path("by_rating").size() >= 2, rm + " accuracy per rating level: " + eval);
      double acc = eval.path("after").path("accuracy").asDouble();
      long n = eval.path("after").path("pairs").asLong();
      double z = (acc - 0.5) / Math.sqrt(0.25 / n);
      assertEquals(z, eval.path("chance_z").asDouble(), 1e-9, rm);
      assertEquals(z > 2, eval.path("beats_chance").asBoolean(), rm);
      assertTrue(eval.path("after").path("true_order").has("true_ties"), rm + ": scored against the true order: " + eval);
      if (!eval.path("beats_chance").asBoolean()) {
        atChance.add(run.resolve(rm + "/model").toString());
      }
    }
    // the written safety pairs reach the safety RM: its held-out pairs include compliance with unsafe prompts, which
    // the chat model's own samples never hold (it refuses every unsafe prompt)
    JsonNode safetyTasks = json(run.resolve("rm-safety/eval")).path("after").path("by_task");
    assertTrue(safetyTasks.path("unsafe").path("pairs").asLong() > 0, "unsafe-prompt pairs held out: " + safetyTasks);
    for (String rs : List.of("rs-v1", "rs-v2")) {
      Set<String> named = new HashSet<>();
      json(run.resolve(rs + "/report")).path("reward_models_at_chance")
          .forEach(m -> named.add(Path.of(m.path("model").asText()).toString()));
      assertEquals(atChance, named, rs + " names the chance-level reward models it selected with");
      // best-of-N by the true reward (not by the selecting RM, which grows by construction): max - median grows
      JsonNode truth = json(run.resolve(rs + "/report")).path("true_reward");
      double gap1 = truth.path("best_of_n_max").path("1").asDouble() - truth.path("best_of_n_median").path("1").asDouble();
      double gap4 = truth.path("best_of_n_max").path("4").asDouble() - truth.path("best_of_n_median").path("4").asDouble();
      assertEquals(0.0, gap1, 1e-12, rs + ": one sample: max = median: " + truth);
      assertTrue(gap4 > 0, rs + ": max - median grows with N: " + truth);
      assertTrue(truth.path("best_of_n_picked").has("4") && truth.has("headroom_taken"), rs + ": " + truth);
    }

    // RLHF V3 by PPO with the reward models' piecewise reward, the true reward beside it by iteration
    JsonNode ppo = json(run.resolve("rlhf-v3/report"));
    assertEquals(3, ppo.path("iterations_run").asInt(), ppo.toString());
    assertTrue(ppo.path("history").get(2).has("true_reward"), ppo.toString());

    ghostAttention(run);

    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("<h2>PPO</h2>") && report.contains("Reward models (held-out pairs)")
        && report.contains("Rejection sampling (true reward"), "PPO, RM and RS sections in the report");
    assertTrue(report.contains("Adherence by turn"), "the adherence chart");
    assertTrue(report.contains("Versions against their baselines"), "the versions table");
    assertTrue(report.contains("Safety by version"), "safety violations and false refusals by version");
    for (String v : List.of("rlhf-v1", "rlhf-v2", "llama2-chat")) {
      assertTrue(report.contains("<td>" + v + "</td>"), v + " in the versions table");
    }
  }

  /** The GAtt data, its masks and adherence by turn, from the run's outputs. */
  static void ghostAttention(Path run) throws Exception {
    JsonNode gatt = json(run.resolve("gatt-data/report"));
    assertEquals(100, gatt.path("samples").asInt(), gatt.toString());
    assertEquals(100, gatt.path("kept").asInt() + gatt.path("dropped").asInt(), gatt.toString());
    assertTrue(gatt.path("kept").asInt() >= 1, gatt.toString());
    var services = new org.align4j.core.inject.Services(org.align4j.core.plugin.PluginRegistry.classpath(),
        org.align4j.api.stage.RecipeDefaults.of(java.util.Map.of("threads", 1)), new org.align4j.core.metrics.MetricsHub());
    var tok = services.get(org.align4j.api.text.Tokenizers.class).load(run.resolve("tokenizer/tokenizer"));
    var format = services.get(org.align4j.api.text.ChatFormats.class).get("llama2");
    long rows = 0;
    try (var store = new org.align4j.core.data.ArrowDatasetStore(); var it = store.rows(run.resolve("gatt-data/data"))) {
      while (it.hasNext()) {
        var row = it.next();
        var conv = org.align4j.toolkit.data.Rows.messages(row.get("messages"));
        String instruction = conv.get(0).content();
        assertEquals("system", conv.get(0).role(), "the instruction is the system message");
        var check = org.align4j.plugins.data.tasks.Check.decode((String) row.get("check"));
        long answers = 0;
        for (var m : conv.subList(1, conv.size())) {
          assertTrue(!m.content().contains(instruction), "the instruction only in the first turn: " + conv);
          if (m.role().equals("assistant")) {
            answers++;
            assertTrue(org.align4j.plugins.data.tasks.Checker.followsRule(check, m.content()), "kept turns keep the"
                + " rule: " + m.content() + " under " + check);
          }
        }
        assertEquals(((Number) row.get("turns")).longValue(), answers);
        var rendered = format.render(conv, tok, org.align4j.api.text.MaskPolicy.LAST_ASSISTANT);
        int prompt = format.renderPrompt(conv.subList(0, conv.size() - 1), tok).length;
        for (int i = 0; i < rendered.ids().length; i++) {
          assertEquals(i >= prompt ? 1 : 0, rendered.lossMask()[i], "loss only on the last answer, token " + i);
        }
        rows++;
      }
    }
    assertEquals(gatt.path("kept").asLong(), rows);
    for (String[] a : new String[][] {{"adherence-before", "rlhf-v2"}, {"adherence-after", "llama2-chat"}}) {
      JsonNode adh = json(run.resolve(a[0] + "/adherence"));
      assertEquals(a[1], adh.path("policy").asText());
      assertEquals(8, adh.path("by_turn").size(), a[0] + ": " + adh);
      for (JsonNode t : adh.path("by_turn")) {
        assertEquals(30, t.path("n").asInt(), a[0] + " turn " + t);
        double r = t.path("rate").asDouble();
        assertTrue(r >= 0 && r <= 1 && t.has("se"), a[0] + " turn " + t);
      }
    }
  }
}
