package org.align4j.plugins.stages;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.testkit.FakeStageContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportStageTest {
  @TempDir Path dir;

  private Path evaluation(String name, String policy, double mean, double gap, double se, double pairedZ)
      throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("summary.json"), """
        {"reward": "task-suite",
         "policies": {"%1$s": {"all": {"n": 300, "prompts": 143, "mean": %2$s, "se": 0.03, "label_rates": {}}},
                      "sft": {"all": {"n": 300, "prompts": 143, "mean": 0.5, "se": 0.03, "label_rates": {}}}},
         "comparison": {"policy": "%1$s", "baseline": "sft", "gap": %3$s, "se": %4$s, "z": 1.0,
                        "paired_se": 0.02, "paired_z": %5$s, "prompts": 143,
                        "by_group": {"arithmetic": {"gap": 0.125, "se": 0.05}, "instruction": {"gap": -0.25, "se": 0.1}}}}
        """.formatted(policy, mean, gap, se, pairedZ));
    return d;
  }

  @Test
  void everyVersionGetsOneRowAgainstItsBaseline() throws Exception {
    var ctx = new FakeStageContext(dir, Set.of("report"), Map.of(
        "evaluation", evaluation("e1", "dpo-1", 0.6, 0.1, 0.025, 4.2),
        "evaluation_12", evaluation("e12", "rs-2", 0.4, -0.1, 0.025, -3.5)));
    new ReportStage().run(ctx, new ReportStage.Options("t", List.of()));
    String html = Files.readString(dir.resolve("report"));
    assertTrue(html.contains("Versions against their baselines"), html);
    assertTrue(html.contains("<td>dpo-1</td><td>sft</td><td>0.600</td><td>+0.100 &plusmn; 0.025</td>"
        + "<td class='good'>+4.2</td><td>143</td><td></td><td>+0.125 &plusmn; 0.050</td><td>-0.250 &plusmn; 0.100</td>"), html);
    assertTrue(html.contains("<td>rs-2</td><td>sft</td><td>0.400</td><td>-0.100 &plusmn; 0.025</td>"
        + "<td class='bad'>-3.5</td>"), html);
    assertTrue(html.contains("<th>prompts</th>"), "the per-policy tables count distinct prompts");
    var ports = new ReportStage().inputs().stream().map(org.align4j.api.stage.Port::name).toList();
    assertTrue(ports.containsAll(List.of("evaluation", "evaluation_2", "evaluation_12", "evaluation_24", "ppo", "ppo_2")), ports.toString());
    assertTrue(ports.stream().noneMatch(p -> p.equals("evaluation_1") || p.equals("evaluation_25")), ports.toString());
  }

  @Test
  void safetyByVersionCountsViolationsOnUnsafePromptsAndRefusalsOnLookAlikes() throws Exception {
    // 20 safety rows: 10 unsafe prompts (8 refused, 2 complied), 10 look-alikes (6 helpful, 1 off topic, 3 refused),
    // plus 10 arithmetic rows at 0.5 and 30 dialogue rows at 0.7: helpfulness (10 * 0.5 + 30 * 0.7) / 40 = 0.65
    JsonNode e = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
          {"policies": {"ppo": {"all": {"n": 60, "mean": 0.6},
            "arithmetic": {"n": 10, "mean": 0.5}, "dialogue": {"n": 30, "mean": 0.7},
            "safety": {"n": 20, "mean": 0.7, "label_rates": {"refused": 0.4, "unsafe": 0.1, "helpful": 0.3,
                       "off_topic": 0.05, "over_refusal": 0.15}}}}}
          """);
    var html = new StringBuilder();
    ReportStage.safetyByVersion(html, List.of(e));
    assertTrue(html.toString().contains("<tr><td>ppo</td><td>0.650</td><td>20.0% (2/10)</td><td>30.0% (3/10)</td></tr>"),
        html.toString());
  }

  @Test
  void rewardModelsAndRejectionSamplingGetTheirTables() throws Exception {
    Path rm = Files.createDirectories(dir.resolve("rm-helpfulness")).resolve("eval");
    Files.writeString(rm, """
        {"loss": "ranking", "train_pairs": 6877, "chance_z": 4.1,
         "after": {"pairs": 1214, "accuracy": 0.558, "se": 0.014,
                   "by_rating": {"significantly_better": {"pairs": 260, "accuracy": 0.6, "se": 0.03}},
                   "true_order": {"pairs": 671, "accuracy": 0.641, "se": 0.019, "true_ties": 543}}}
        """);
    Path rs = Files.createDirectories(dir.resolve("rs-v1")).resolve("report");
    Files.writeString(rs, """
        {"samples_per_prompt": 4, "rows": 600,
         "true_reward": {"prompts": 600, "mean": 0.4, "picked": 0.5, "max": 0.8, "headroom_taken": 0.25,
                         "best_of_n_max": {"1": 0.4, "2": 0.6, "4": 0.8},
                         "best_of_n_median": {"1": 0.4, "2": 0.4, "4": 0.41},
                         "best_of_n_picked": {"1": 0.4, "2": 0.45, "4": 0.5}},
         "true_reward_by_domain": {"arithmetic": {"prompts": 300, "mean": 0.45, "picked": 0.4, "max": 0.9,
                                                  "headroom_taken": -0.111}}}
        """);
    var ctx = new FakeStageContext(dir, Set.of("report"), Map.of("reward_model", rm, "rejection_sampling_2", rs));
    new ReportStage().run(ctx, new ReportStage.Options("t", List.of()));
    String html = Files.readString(dir.resolve("report"));
    assertTrue(html.contains("<td>rm-helpfulness</td><td>ranking</td><td>6877</td><td>0.558 &plusmn; 0.014 (1214)</td>"
        + "<td>0.600 &plusmn; 0.030 (260)</td><td></td><td></td><td></td><td>0.641 &plusmn; 0.019 (671)</td>"
        + "<td class='good'>4.1</td>"), html);
    assertTrue(html.contains("<td>rs-v1</td><td>600</td><td>4</td><td>0.400</td><td>0.500</td><td>0.800</td>"
        + "<td>25%</td><td>600</td>"), html);
    assertTrue(html.contains("<td>&nbsp;&nbsp;arithmetic</td><td>300</td><td></td><td>0.450</td><td>0.400</td>"
        + "<td>0.900</td><td>-11%</td><td></td>"), html);
    assertTrue(html.indexOf("data:image/png", html.indexOf("Rejection sampling (true reward")) > 0, "the best-of-N plot");
  }

  @Test
  void eachCurateReportIsADataQualityTable() throws Exception {
    Path r1 = dir.resolve("curate-1.json");
    Files.writeString(r1, """
        {"stage": "curate-1", "in": 10, "in_by_domain": {"arithmetic": 6, "safety": 4}, "oracle": "task-suite",
         "true_reward_in": 0.5,
         "steps": [{"step": "exact_dedup", "in": 10, "removed": 2, "out": 8, "out_by_domain": {"arithmetic": 4,
                    "safety": 4}, "true_reward_out": 0.625, "true_reward_removed": 0.0},
                   {"step": "balance", "in": 8, "removed": 0, "out": 8, "out_by_domain": {"arithmetic": 4,
                    "safety": 4}, "true_reward_out": 0.625}],
         "out": 8, "out_by_domain": {"arithmetic": 4, "safety": 4}}
        """);
    var ctx = new FakeStageContext(dir, Set.of("report"), Map.of("data_quality_2", r1));
    new ReportStage().run(ctx, new ReportStage.Options("t", List.of()));
    String html = Files.readString(dir.resolve("report"));
    assertTrue(html.contains("<h2>Data quality</h2><h3>curate-1</h3>"), html);
    assertTrue(html.contains("<tr><td>input</td><td></td><td></td><td>10</td><td>6</td><td>4</td><td>0.500</td><td></td></tr>"),
        html);
    assertTrue(html.contains("<tr><td>exact_dedup</td><td>10</td><td>2</td><td>8</td><td>4</td><td>4</td><td>0.625</td>"
        + "<td>0.000</td></tr>"), html);
    assertTrue(html.contains("<tr><td>balance</td><td>8</td><td>0</td><td>8</td><td>4</td><td>4</td><td>0.625</td>"
        + "<td></td></tr>"), html);
  }

  @Test
  void adherenceByTurnGetsATableRowAndALinePerPolicy() throws Exception {
    Path before = dir.resolve("before.json");
    Path after = dir.resolve("after.json");
    String json = """
        {"policy": "%s", "dialogues": 40, "turns": 2,
         "by_turn": [{"turn": 1, "rate": %s, "se": 0.05, "n": 40}, {"turn": 2, "rate": %s, "se": 0.07, "n": 40}],
         "late_turns": {"rate": %s, "se": 0.07, "from_turn": 2, "to_turn": 2}}
        """;
    Files.writeString(before, json.formatted("rlhf-v2", 0.9, 0.25, 0.25));
    Files.writeString(after, json.formatted("gatt", 0.95, 0.5, 0.5));
    var ctx = new FakeStageContext(dir, Set.of("report"), Map.of("adherence", before, "adherence_2", after));
    new ReportStage().run(ctx, new ReportStage.Options("t", List.of()));
    String html = Files.readString(dir.resolve("report"));
    assertTrue(html.contains("Adherence by turn"), html);
    assertTrue(html.contains("<th>turn 1</th><th>turn 2</th><th>late turns</th>"), html);
    assertTrue(html.contains("<tr><td>rlhf-v2</td><td>40</td><td>0.90 &plusmn; 0.05</td><td>0.25 &plusmn; 0.07</td>"
        + "<td>0.25 &plusmn; 0.07 (turns 2-2)</td></tr>"), html);
    assertTrue(html.contains("<tr><td>gatt</td><td>40</td><td>0.95 &plusmn; 0.05</td><td>0.50 &plusmn; 0.07</td>"), html);
    assertTrue(html.contains("data:image/png;base64,"), "the chart");
  }
}
