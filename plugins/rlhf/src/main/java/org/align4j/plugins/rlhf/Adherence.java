package org.align4j.plugins.rlhf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule adherence by turn number: the fraction of sampled turns that keep the dialogue's rule, per turn 1..N, with a
 * standard error clustered by dialogue (a dialogue sampled more than once counts as one cluster; with one sample per
 * dialogue it is the plain binomial s.e. with the n - 1 variance).
 */
final class Adherence {
  private Adherence() {}

  /**
   * One sampled dialogue's turns.
   *
   * @param cluster the dialogue it samples (samples of the same dialogue share it)
   * @param rule the rule's kind
   * @param followed whether turn t + 1 kept the rule; shorter than N when the dialogue stopped early
   */
  record Sample(int cluster, String rule, boolean[] followed) {}

  /**
   * A rate with its clustered s.e.
   *
   * @param rate successes / observations (NaN without observations)
   * @param se the cluster-robust s.e.: sqrt(G / (G - 1) * sum_g (y_g - rate * n_g)^2) / n (NaN below 2 clusters)
   * @param observations turns counted
   * @param clusters dialogues they came from
   */
  record Rate(double rate, double se, long observations, int clusters) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rate", finite(rate));
      m.put("se", finite(se));
      m.put("n", observations);
      m.put("dialogues", clusters);
      return m;
    }
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** The rate over the turns {@code from..to} (1-based, inclusive) of {@code samples}, clustered by dialogue. */
  static Rate rate(List<Sample> samples, int from, int to) {
    Map<Integer, long[]> byCluster = new TreeMap<>();
    for (Sample s : samples) {
      long[] yn = byCluster.computeIfAbsent(s.cluster(), k -> new long[2]);
      for (int t = from; t <= to && t <= s.followed().length; t++) {
        yn[0] += s.followed()[t - 1] ? 1 : 0;
        yn[1]++;
      }
    }
    byCluster.values().removeIf(yn -> yn[1] == 0);
    long y = 0;
    long n = 0;
    for (long[] yn : byCluster.values()) {
      y += yn[0];
      n += yn[1];
    }
    int g = byCluster.size();
    if (n == 0) {
      return new Rate(Double.NaN, Double.NaN, 0, 0);
    }
    double p = (double) y / n;
    double ss = 0;
    for (long[] yn : byCluster.values()) {
      double r = yn[0] - p * yn[1];
      ss += r * r;
    }
    double se = g < 2 ? Double.NaN : Math.sqrt((double) g / (g - 1) * ss) / n;
    return new Rate(p, se, n, g);
  }

  /** Rates for turns 1..{@code turns}, each turn on its own. */
  static List<Rate> byTurn(List<Sample> samples, int turns) {
    List<Rate> out = new ArrayList<>();
    for (int t = 1; t <= turns; t++) {
      out.add(rate(samples, t, t));
    }
    return out;
  }

  /**
   * The JSON the report plots: {@code by_turn} (turn, rate, se, n, dialogues), {@code first_turn}, {@code late_turns}
   * (the last half of the turns, pooled, clustered by dialogue) and {@code by_rule} (all turns of each rule kind).
   */
  static Map<String, Object> summary(List<Sample> samples, int turns) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Rate> rates = byTurn(samples, turns);
    for (int t = 1; t <= turns; t++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("turn", t);
      row.putAll(rates.get(t - 1).json());
      rows.add(row);
    }
    out.put("by_turn", rows);
    out.put("first_turn", rate(samples, 1, 1).json());
    int lateFrom = turns / 2 + 1;
    Map<String, Object> late = new LinkedHashMap<>(rate(samples, lateFrom, turns).json());
    late.put("from_turn", lateFrom);
    late.put("to_turn", turns);
    out.put("late_turns", late);
    out.put("all_turns", rate(samples, 1, turns).json());
    Map<String, List<Sample>> perRule = new TreeMap<>();
    for (Sample s : samples) {
      perRule.computeIfAbsent(s.rule(), k -> new ArrayList<>()).add(s);
    }
    Map<String, Object> byRule = new LinkedHashMap<>();
    for (var e : perRule.entrySet()) {
      byRule.put(e.getKey(), rate(e.getValue(), 1, turns).json());
    }
    out.put("by_rule", byRule);
    return out;
  }
}
