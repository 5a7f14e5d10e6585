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
 * {@code recipes/llama3-post-training.yaml} shortened with --set (three rounds, fewer prompts, samples and steps).
 * Asserts what holds at any size, from the run's own outputs (the README's Llama 3 section has the full-size
 * figures): every round's SFT, DPO and averaged model is evaluated paired against SFT on the same held-out prompts,
 * with prompt-clustered errors; each round's SFT mixes the task data one to one with the rejection-sampled answers
 * (Llama 3's mixture) after the curate stage's data-quality filters, whose counts add up (each step's rows in are
 * its rows out plus those it removed, per domain too) and whose domain caps hold; the NLL term keeps the chosen
 * responses' log-likelihood from falling as far as it does without it; the reward models' held-out accuracy is
 * tested against chance; the report shows every comparison.
 */
class Llama3RecipeTest {
  @TempDir static Path dir;
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> VERSIONS = List.of("sft-1", "dpo-1", "average-1", "sft-2", "dpo-2", "average-2", "sft-3",
      "dpo-3", "average-3");
  static final int ROUNDS = 3;

  static String[] args(Path run) {
    var a = new ArrayList<>(List.of("run", Repo.root().resolve("recipes/llama3-post-training.yaml").toString(),
        "--set", "run_dir=" + run,
        "--set", "stages.tasks.options.sft_examples=1200",
        "--set", "stages.tasks.options.corpus_documents=4000",
        "--set", "stages.tasks.options.eval_prompts=120",
        "--set", "stages.tasks.options.train_prompts=240",
        "--set", "stages.pretrain.options.steps=150",
        "--set", "stages.sft.options.steps=100"));
    for (int round = 1; round <= ROUNDS; round++) {
      a.addAll(List.of("--set", "stages.preference-prompts-" + round + ".options.train_prompts=240",
          "--set", "stages.rs-" + round + ".options.samples_per_prompt=4",
          "--set", "stages.sft-" + round + ".options.steps=30",
          // the recipe keeps easy prompts (dropping them measured harmful); the test still runs every filter
          "--set", "stages.curate-" + round + ".options.drop_easy=true"));
    }
    return a.toArray(String[]::new);
  }

  static JsonNode json(Path file) throws Exception {
    return JSON.readTree(file.toFile());
  }

  @Test
  void everyRoundIsEvaluatedTheMixtureIsTrainedAndTheNllTermHoldsTheChosenLikelihood() throws Exception {
    Path run = dir.resolve("llama3");
    var cli = Cli.run(args(run));
    assertEquals(0, cli.exit(), cli.toString());

    for (String v : VERSIONS) {
      JsonNode cmp = json(run.resolve("eval-" + v + "/evaluation/summary.json")).path("comparison");
      assertEquals(v, cmp.path("policy").asText());
      assertEquals("sft", cmp.path("baseline").asText());
      assertTrue(cmp.has("paired_z") && cmp.path("prompts").asLong() > 0, v + ": " + cmp);
      assertTrue(cmp.path("by_group").has("instruction"), v + ": per-domain gaps " + cmp);
    }
    JsonNode sft = json(run.resolve("eval-sft-1/evaluation/summary.json")).path("policies").path("sft").path("all");
    assertTrue(sft.path("prompts").asLong() < sft.path("n").asLong(), "held-out prompts repeat: " + sft);
    assertTrue(sft.path("se").asDouble() >= sft.path("se_rows").asDouble(), "clustering widens the error: " + sft);
    assertTrue(sft.has("unterminated_rate"), "termination failures are counted: " + sft);

    long pairsBefore = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      JsonNode rm = json(run.resolve("rm-" + round + "/eval"));
      long pairs = rm.path("train_pairs").asLong() + rm.path("eval_pairs").asLong();
      assertTrue(pairs > pairsBefore, "round " + round + ": the RM trains on all preferences so far: " + pairs
          + " pairs after " + pairsBefore);
      pairsBefore = pairs;
      // the selection judged by the true reward: best-of-N headroom grows with N, and the RM's pick is reported
      JsonNode truth = json(run.resolve("rs-" + round + "/report")).path("true_reward");
      double gap1 = truth.path("best_of_n_max").path("1").asDouble() - truth.path("best_of_n_median").path("1").asDouble();
      double gap4 = truth.path("best_of_n_max").path("4").asDouble() - truth.path("best_of_n_median").path("4").asDouble();
      assertEquals(0.0, gap1, 1e-12, "one sample: max = median: " + truth);
      assertTrue(gap4 > 0, "round " + round + ": max - median grows with N: " + truth);
      assertTrue(truth.path("best_of_n_picked").has("4") && truth.has("headroom_taken"), truth.toString());
      // arithmetic is selected by its checked answer, so its pick is the best sample there; the RM picks elsewhere
      JsonNode arithmetic = json(run.resolve("rs-" + round + "/report")).path("true_reward_by_domain").path("arithmetic");
      assertEquals(arithmetic.path("max").asDouble(), arithmetic.path("picked").asDouble(), 1e-9,
          "round " + round + ": checked arithmetic picks the best sample: " + arithmetic);
      assertTrue(arithmetic.path("picked").asDouble() > arithmetic.path("mean").asDouble(), arithmetic.toString());
      long sampled = json(run.resolve("rs-" + round + "/report")).path("rows").asLong();
      JsonNode dq = json(run.resolve("curate-" + round + "/report"));
      assertEquals(sampled, dq.path("in").asLong(), "round " + round + ": curation reads every RS row");
      long in = sampled;
      var names = new ArrayList<String>();
      for (JsonNode step : dq.path("steps")) {
        names.add(step.path("step").asText());
        assertEquals(in, step.path("in").asLong(), "round " + round + ": steps chain: " + step);
        assertEquals(step.path("in").asLong(), step.path("out").asLong() + step.path("removed").asLong(),
            "round " + round + ": in = out + removed: " + step);
        long byDomain = 0;
        for (var d = step.path("out_by_domain").fields(); d.hasNext(); ) {
          var e = d.next();
          byDomain += e.getValue().asLong();
          if (step.path("step").asText().equals("balance")) {
            assertTrue(e.getValue().asLong() <= step.path("caps").path(e.getKey()).asLong(),
                "round " + round + ": domain cap holds: " + step);
          }
        }
        assertEquals(step.path("out").asLong(), byDomain, "round " + round + ": domains add up: " + step);
        in = step.path("out").asLong();
      }
      assertEquals(List.of("exact_dedup", "near_dedup", "quality_top", "drop_easy", "balance"), names);
      long kept = dq.path("out").asLong();
      assertEquals(in, kept, "round " + round);
      assertTrue(kept < sampled, "round " + round + ": the filters remove rows: " + dq);
      assertTrue(dq.has("true_reward_in") && dq.has("true_reward_out"), "round " + round + ": oracle diagnostics");
      long documents = json(run.resolve("sft-" + round + "/model/training_summary.json")).path("documents").asLong();
      assertEquals(kept + Math.min(1200, kept), documents,
          "round " + round + ": curated RS answers + as many task conversations");
      assertTrue(json(run.resolve("rm-" + round + "/eval")).has("beats_chance"), "round " + round + ": RM chance test");
    }

    JsonNode withNll = json(run.resolve("dpo-1/eval"));
    JsonNode noNll = json(run.resolve("dpo-1-no-nll/eval"));
    double start = withNll.path("before").path("chosen_logp_per_token").asDouble();
    assertEquals(start, noNll.path("before").path("chosen_logp_per_token").asDouble(), 1e-9, "same start and data");
    double fallWith = start - withNll.path("after").path("chosen_logp_per_token").asDouble();
    double fallWithout = start - noNll.path("after").path("chosen_logp_per_token").asDouble();
    assertTrue(fallWith < fallWithout, "the NLL term limits the fall of the chosen log-likelihood: " + fallWith
        + " with it vs " + fallWithout + " without");

    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("Versions against their baselines"), "the versions table");
    for (int round = 1; round <= ROUNDS; round++) {
      assertTrue(report.contains("<h3>curate-" + round + "</h3>"), "round " + round + "'s data-quality table");
    }
    for (String v : List.of("average-3", "dpo-1-unmasked", "dpo-1-no-nll")) {
      assertTrue(report.contains("<td>" + v + "</td>"), v + " in the versions table");
    }
  }
}
