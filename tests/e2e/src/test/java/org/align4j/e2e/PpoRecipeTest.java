package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recipes/ppo.yaml} shortened with --set: SFT, then PPO with the KL penalty and without it, every version
 * answering the same held-out prompts. Asserts what the run's own outputs show at this size (see the README's PPO
 * section for the full-size figures): PPO raises the true reward of its rollouts, the generator's and the update
 * pass's log-probs agree so the importance ratio starts at 1, the KL penalty keeps the policy closer to the reference
 * than the run without it, and the report shows both runs.
 */
class PpoRecipeTest {
  @TempDir static Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  static String[] args(Path run) {
    var a = new ArrayList<>(List.of("run", Repo.root().resolve("recipes/ppo.yaml").toString(),
        "--set", "run_dir=" + run,
        "--set", "stages.tasks.options.sft_examples=1200",
        "--set", "stages.tasks.options.corpus_documents=4000",
        "--set", "stages.tasks.options.eval_prompts=200",
        "--set", "stages.tasks.options.train_prompts=1000",
        "--set", "stages.pretrain.options.steps=200",
        "--set", "stages.sft.options.steps=200",
        "--set", "vars.iterations=16"));
    return a.toArray(String[]::new);
  }

  static double mean(JsonNode history, String key, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += history.get(i).path(key).asDouble();
    }
    return s / (to - from);
  }

  @Test
  void ppoRaisesItsRolloutRewardWithTheKlBoundedAndReportsBothRuns() throws Exception {
    Path run = dir.resolve("ppo");
    var cli = Cli.run(args(run));
    assertEquals(0, cli.exit(), cli.toString());
    JsonNode withKl = JSON.readTree(run.resolve("ppo/report").toFile());
    JsonNode noKl = JSON.readTree(run.resolve("ppo-no-kl/report").toFile());
    JsonNode h = withKl.path("history");
    int n = h.size();
    assertEquals(16, n);
    for (JsonNode it : h) {
      // fp32, KV-cache decode of left-padded batches vs one right-padded forward: measured up to 1.6e-5 here (the unit
      // test on the fixture model holds 1e-5); the ratio itself starts at exactly 1 (same forward for old and new)
      assertTrue(it.path("logprob_gen_vs_train_max_abs").asDouble() <= 5e-5, it.toString());
      assertEquals(1.0, it.path("ratio_first_minibatch").asDouble(), 1e-5, it.toString());
    }
    double first = mean(h, "true_reward", 0, 4);
    double last = mean(h, "true_reward", n - 4, n);
    assertTrue(last > first, "rollout true reward of the last 4 iterations " + last + " vs the first 4 " + first);
    double klLast = mean(h, "kl_per_token", n - 4, n);
    double klLastNoPenalty = mean(noKl.path("history"), "kl_per_token", n - 4, n);
    assertTrue(klLast < 0.5, "KL per token stays bounded: " + klLast);
    assertTrue(klLast < klLastNoPenalty, "the penalty keeps the policy nearer the reference: " + klLast + " vs "
        + klLastNoPenalty + " without it");
    assertTrue(withKl.path("evals").size() >= 2, "held-out evaluation before and after: " + withKl.path("evals"));
    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("<h2>PPO</h2>") && report.contains("ppo-no-kl"), "both PPO runs in the report");
    JsonNode eval = JSON.readTree(run.resolve("eval/evaluation/summary.json").toFile());
    assertTrue(eval.path("comparison").has("paired_z"), "the held-out comparison is paired");
  }
}
