package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each data-quality filter on rows whose outcome is worked out by hand. */
class CurationTest {
  static Curation.Row row(int i, String text, String domain, Double reward) {
    return new Curation.Row(i, text, domain, reward, null);
  }

  static List<Integer> indices(List<Curation.Row> rows) {
    return rows.stream().map(Curation.Row::index).toList();
  }

  static void assertCounts(Curation.Step s, long in, long out, Map<String, Long> removedByDomain) {
    Map<String, Object> j = s.json();
    assertEquals(in, j.get("in"));
    assertEquals(out, j.get("out"));
    assertEquals(in - out, j.get("removed"));
    assertEquals(removedByDomain, j.get("removed_by_domain"));
  }

  @Test
  void exactDedupKeepsTheBestScoredCopy() {
    var in = List.of(row(0, "x", "a", 1.0), row(1, "y", "b", 2.0), row(2, "x", "a", 3.0), row(3, "x", "b", null));
    var s = new Curation.Step("exact_dedup", in);
    // "x" three times: the copy with reward 3 (row 2) stays; the one without a reward ranks last
    assertEquals(List.of(1, 2), indices(Curation.exact(s, in)));
    assertCounts(s, 4, 2, Map.of("a", 1L, "b", 1L));
    assertEquals(Map.of("a", 1L, "b", 1L), s.json().get("out_by_domain"));
  }

  @Test
  void nearDedupDropsOneCharacterVariantsOnly() {
    String base = "user: tell me about the great rivers of central europe and where they flow\n"
        + "assistant: the rhine rises in the swiss alps and flows north to the sea, while the danube rises in the"
        + " black forest and flows east through vienna and budapest to the black sea\n";
    String variant = base.replace("vienna", "vienne"); // 1 character: about 5 of ~230 shingles differ, Jaccard ~0.96
    String other = "user: what is 12 + 7?\nassistant: 19\n";
    var in = List.of(row(0, base, "a", 0.5), row(1, variant, "a", 0.9), row(2, other, "b", 0.1));
    var s = new Curation.Step("near_dedup", in);
    assertEquals(List.of(1, 2), indices(Curation.near(s, in, 0.8, 17)), "the better-scored variant stays");
    assertCounts(s, 3, 2, Map.of("a", 1L));
    var strict = new Curation.Step("near_dedup", in);
    assertEquals(3, Curation.near(strict, in, 1.0, 17).size(), "threshold 1: only identical signatures are duplicates");
  }

  @Test
  void qualityKeepsTheTopFractionByReward() {
    var in = List.of(row(0, "a", "a", 0.1), row(1, "b", "a", 0.9), row(2, "c", "b", 0.5), row(3, "d", "b", null),
        row(4, "e", "c", 0.7));
    var s = new Curation.Step("quality_top", in);
    // ceil(0.5 * 5) = 3 rows: 0.9, 0.7, 0.5, kept in input order
    assertEquals(List.of(1, 2, 4), indices(Curation.topByReward(s, in, 0.5, false)));
    assertCounts(s, 5, 3, Map.of("a", 1L, "b", 1L));
    assertEquals(List.of(1), indices(Curation.topByReward(new Curation.Step("q", in), in, 0.2, false)));
    // per domain, ceil(0.5 * n_d): a (0.1, 0.9) keeps 0.9; b (0.5, none) keeps 0.5; c (0.7) keeps 0.7
    var byDomain = new Curation.Step("quality_top", in);
    assertEquals(List.of(1, 2, 4), indices(Curation.topByReward(byDomain, in, 0.5, true)));
    // a domain whose scores are all low keeps its share: fraction 0.2 keeps one row of each domain
    assertEquals(List.of(1, 2, 4), indices(Curation.topByReward(new Curation.Step("q", in), in, 0.2, true)));
  }

  @Test
  void nearestRankQuantile() {
    assertEquals(2.0, Curation.quantile(new double[] {3, 1, 2, 4}, 0.5));
    assertEquals(3.0, Curation.quantile(new double[] {3, 1, 2, 4}, 0.75));
    assertEquals(1.0, Curation.quantile(new double[] {3, 1, 2, 4}, 0.1));
    assertEquals(5.0, Curation.quantile(new double[] {5}, 0.5));
  }

  @Test
  void difficultyIsTheShareOfSamplesAboveTheDomainQuantile() {
    var in = List.of(row(0, "p", "a", 3.0), row(1, "q", "a", 6.0), row(2, "r", "b", 10.0), row(3, "s", "b", 1.0));
    Map<Integer, double[]> samples = new HashMap<>();
    samples.put(0, new double[] {1, 2, 3});
    samples.put(1, new double[] {4, 5, 6});
    samples.put(2, new double[] {10, 0});
    Map<String, Double> thresholds = new TreeMap<>();
    var rated = Curation.successRates(in, samples, 0.5, thresholds);
    // a: scores 1..6, median by nearest rank 3; b: scores {0, 10}, median 0
    assertEquals(Map.of("a", 3.0, "b", 0.0), thresholds);
    assertEquals(0.0, rated.get(0).successRate());
    assertEquals(1.0, rated.get(1).successRate());
    assertEquals(0.5, rated.get(2).successRate());
    assertNull(rated.get(3).successRate(), "no samples: unknown");

    var easy = new Curation.Step("drop_easy", rated);
    assertEquals(List.of(0, 2, 3), indices(Curation.dropEasy(easy, rated)), "row 1 solved by all its samples");
    assertCounts(easy, 4, 3, Map.of("a", 1L));

    var hard = new Curation.Step("hardest", rated);
    // ceil(0.5 * 4) = 2: success 0 (row 0) and 0.5 (row 2); rows without samples rank last
    assertEquals(List.of(0, 2), indices(Curation.hardest(hard, rated, 0.5)));
    assertCounts(hard, 4, 2, Map.of("a", 1L, "b", 1L));
  }

  @Test
  void balanceCapsEachDomainAtItsShare() {
    var in = new ArrayList<Curation.Row>();
    for (int i = 0; i < 5; i++) {
      in.add(row(i, "a" + i, "a", (double) i)); // a: 5 rows, rewards 0..4
    }
    in.add(row(5, "b0", "b", 1.0));
    in.add(row(6, "b1", "b", 2.0));
    in.add(row(7, "c0", "c", 0.0));
    var equal = new Curation.Step("balance", in);
    // 8 rows, 3 domains: cap floor(8 / 3) = 2 each; a keeps its two best (rewards 4 and 3)
    assertEquals(List.of(3, 4, 5, 6, 7), indices(Curation.balance(equal, in, null)));
    assertCounts(equal, 8, 5, Map.of("a", 3L));
    assertEquals(Map.of("a", 2L, "b", 2L, "c", 2L), equal.json().get("caps"));

    var weighted = new Curation.Step("balance", in);
    // weights a 2, b 1 (c not named: 0): caps floor(8 * 2/3) = 5, floor(8 * 1/3) = 2, 0
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), indices(Curation.balance(weighted, in, Map.of("a", 2.0, "b", 1.0))));
    assertCounts(weighted, 8, 7, Map.of("c", 1L));
  }

  @Test
  void theOracleRewardOfKeptAndRemovedRowsIsAveragedPerStep() {
    var in = List.of(new Curation.Row(0, "a", "a", 0.9, null, 1.0), new Curation.Row(1, "b", "a", 0.1, null, 0.0),
        new Curation.Row(2, "c", "b", 0.5, null, 0.5), new Curation.Row(3, "d", "b", 0.3, null, null));
    var s = new Curation.Step("quality_top", in);
    // ceil(0.5 * 4) = 2 kept: rewards 0.9 (truth 1) and 0.5 (truth 0.5); removed 0.3 (no truth) and 0.1 (truth 0)
    assertEquals(List.of(0, 2), indices(Curation.topByReward(s, in, 0.5, false)));
    assertEquals(0.75, (double) s.json().get("true_reward_out"), 1e-12);
    assertEquals(0.0, (double) s.json().get("true_reward_removed"), 1e-12);
    assertEquals(0.5, Curation.meanTrueReward(in), 1e-12);
    assertNull(Curation.meanTrueReward(List.of(row(0, "x", "a", 1.0))));
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new CurateStage.Options(true, true, 0.8, 1.0, true, "none", 0.5,
        true, 1.0, "none", null, 0, null), "drop_easy without difficulty");
    assertThrows(IllegalArgumentException.class, () -> new CurateStage.Options(true, true, 0.8, 0.0, true, "none", 0.5,
        false, 1.0, "none", null, 0, null), "quality fraction 0");
    assertThrows(IllegalArgumentException.class, () -> new CurateStage.Options(true, true, 0.8, 1.0, true, "none", 0.5,
        false, 1.0, "weights", null, 0, null), "weights without balance_weights");
    assertThrows(IllegalArgumentException.class, () -> new CurateStage.Options(true, true, 0.8, 1.0, true, "oracle", 0.5,
        false, 1.0, "none", null, 0, null), "unknown difficulty");
    assertThrows(IllegalArgumentException.class, () -> new CurateStage.Options(true, true, 0.8, 1.0, true, "none", 0.5,
        false, 1.0, "weights", Map.of("a", -1.0), 0, null), "negative weight");
  }
}
