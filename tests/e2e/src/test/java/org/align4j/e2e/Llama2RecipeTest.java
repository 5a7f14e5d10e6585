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
 * among those it selected with; the report shows all three comparisons.
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
        "--set", "stages.preference-prompts.options.train_prompts=800",
        "--set", "stages.pretrain.options.steps=150",
        "--set", "stages.sft.options.steps=100",
        "--set", "stages.gatt.options.steps=20",
        "--set", "stages.rlhf-v3.options.iterations=3",
        "--set", "stages.rlhf-v3.options.batch_size=8"));
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

    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("<h2>PPO</h2>") && report.contains("Reward models (held-out pairs)")
        && report.contains("Rejection sampling (true reward"), "PPO, RM and RS sections in the report");
    assertTrue(report.contains("Versions against their baselines"), "the versions table");
    for (String v : List.of("rlhf-v1", "rlhf-v2", "llama2-chat")) {
      assertTrue(report.contains("<td>" + v + "</td>"), v + " in the versions table");
    }
  }
}
