package org.align4j.plugins.rlhf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.align4j.plugins.data.transforms.Dedup;

/**
 * The data-quality filters of {@code curate} (Llama 3 section 4.2.3), each over the rows that survived the previous
 * one and each counted: exact and MinHash near de-duplication of the prompt+response text, keeping the best-scored
 * row of a duplicate group; the top fraction by reward-model score; difficulty by the model's own success rate over
 * its K samples (drop prompts every sample solves, keep the hardest part); a cap per domain (an equal share or given
 * weights), the best-scored rows of a domain kept. The rows keep their input order.
 */
final class Curation {
  private Curation() {}

  /**
   * A row's identity and what the filters read: its index in the input, text, domain, reward and success rate; and
   * its oracle (true) reward when one was given, which is only reported, never used to select.
   */
  record Row(int index, String text, String domain, Double reward, Double successRate, Double trueReward) {
    Row(int index, String text, String domain, Double reward, Double successRate) {
      this(index, text, domain, reward, successRate, null);
    }

    Row withSuccessRate(Double rate) {
      return new Row(index, text, domain, reward, rate, trueReward);
    }
  }

  /** Domain of rows without tags. */
  static final String NO_DOMAIN = "(none)";

  /** Best reward first (rows without one last), then input order: which row of a group is kept. */
  static final Comparator<Row> BEST_FIRST = Comparator
      .comparingDouble((Row r) -> r.reward() == null || r.reward().isNaN() ? Double.POSITIVE_INFINITY : -r.reward())
      .thenComparingInt(Row::index);

  /** The counts of one filter step: rows in, removed, out, and per domain. */
  static final class Step {
    final String name;
    final long in;
    final Map<String, Long> removedByDomain = new TreeMap<>();
    final Map<String, Long> outByDomain = new TreeMap<>();
    long out;
    final Map<String, Object> details = new LinkedHashMap<>();
    /** Sum and count of the oracle reward of the rows kept [0] and removed [1]. */
    final double[][] truth = new double[2][2];

    Step(String name, List<Row> in) {
      this.name = name;
      this.in = in.size();
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("step", name);
      m.put("in", in);
      m.put("removed", in - out);
      m.put("out", out);
      m.put("removed_by_domain", removedByDomain);
      m.put("out_by_domain", outByDomain);
      if (truth[0][1] > 0) {
        m.put("true_reward_out", truth[0][0] / truth[0][1]);
      }
      if (truth[1][1] > 0) {
        m.put("true_reward_removed", truth[1][0] / truth[1][1]);
      }
      m.putAll(details);
      return m;
    }
  }

  /** The rows of {@code in} that {@code keep} accepts, in input order, with {@code step}'s counts filled in. */
  static List<Row> apply(Step step, List<Row> in, Predicate<Row> keep) {
    List<Row> out = new ArrayList<>();
    for (Row r : in) {
      boolean kept = keep.test(r);
      if (kept) {
        out.add(r);
        step.outByDomain.merge(r.domain(), 1L, Long::sum);
      } else {
        step.removedByDomain.merge(r.domain(), 1L, Long::sum);
      }
      if (r.trueReward() != null) {
        step.truth[kept ? 0 : 1][0] += r.trueReward();
        step.truth[kept ? 0 : 1][1]++;
      }
    }
    step.out = out.size();
    return out;
  }

  /** The rows a de-duplicator keeps when offered them best first (its first of a group is the best-scored). */
  private static List<Row> dedup(Step step, List<Row> in,
      Function<Iterator<Map<String, Object>>, Iterator<Map<String, Object>>> dedup) {
    List<Map<String, Object>> sorted = new ArrayList<>();
    for (Row r : in.stream().sorted(BEST_FIRST).toList()) {
      Map<String, Object> m = new HashMap<>();
      m.put("text", r.text());
      m.put("index", r.index());
      sorted.add(m);
    }
    java.util.Set<Integer> kept = new java.util.HashSet<>();
    dedup.apply(sorted.iterator()).forEachRemaining(m -> kept.add((Integer) m.get("index")));
    return apply(step, in, r -> kept.contains(r.index()));
  }

  private static final Function<Map<String, ?>, String> TEXT = m -> (String) m.get("text");

  /** Exact duplicates of the text (a 128-bit hash): the best-scored row of each group is kept. */
  static List<Row> exact(Step step, List<Row> in) {
    return dedup(step, in, it -> Dedup.exact(it, TEXT, null));
  }

  /** Near duplicates (MinHash, estimated Jaccard of 5-character shingles at least {@code threshold}), best kept. */
  static List<Row> near(Step step, List<Row> in, double threshold, long seed) {
    step.details.put("threshold", threshold);
    return dedup(step, in, it -> Dedup.near(it, TEXT, new Dedup.MinHash(5, 20, 6, threshold, seed), null));
  }

  /**
   * The best {@code ceil(fraction * n)} rows by reward (rows without a reward rank last; ties: input order), of all
   * rows or of each domain's {@code n} rows ({@code byDomain}: a reward model's scale differs between domains, so a
   * global cut can empty one).
   */
  static List<Row> topByReward(Step step, List<Row> in, double fraction, boolean byDomain) {
    step.details.put("by_domain", byDomain);
    if (!byDomain) {
      return firstFraction(step, in, fraction, BEST_FIRST);
    }
    java.util.Set<Integer> kept = new java.util.HashSet<>();
    Map<String, List<Row>> groups = new TreeMap<>();
    in.forEach(r -> groups.computeIfAbsent(r.domain(), d -> new ArrayList<>()).add(r));
    for (List<Row> g : groups.values()) {
      firstFraction(new Step("", g), g, fraction, BEST_FIRST).forEach(r -> kept.add(r.index()));
    }
    step.details.put("fraction", fraction);
    return apply(step, in, r -> kept.contains(r.index()));
  }

  /** The first {@code ceil(fraction * n)} rows in {@code order}, written in input order. */
  private static List<Row> firstFraction(Step step, List<Row> in, double fraction, Comparator<Row> order) {
    step.details.put("fraction", fraction);
    int keep = (int) Math.ceil(fraction * in.size() - 1e-9);
    java.util.Set<Integer> kept = new java.util.HashSet<>();
    in.stream().sorted(order).limit(keep).forEach(r -> kept.add(r.index()));
    return apply(step, in, r -> kept.contains(r.index()));
  }

  /**
   * Success rate of each prompt's samples: the share of its K sample scores strictly above the {@code quantile} of
   * the scores of all samples of its domain (nearest rank), so "success" means better than most of what the model
   * writes for that kind of prompt under the round's reward model. Rows without samples get {@code null}.
   *
   * @param samples per row index, the scores of its K samples
   * @param thresholds filled with the threshold per domain
   */
  static List<Row> successRates(List<Row> rows, Map<Integer, double[]> samples, double quantile,
      Map<String, Double> thresholds) {
    Map<String, List<Double>> byDomain = new TreeMap<>();
    for (Row r : rows) {
      double[] s = samples.get(r.index());
      if (s != null) {
        for (double v : s) {
          byDomain.computeIfAbsent(r.domain(), d -> new ArrayList<>()).add(v);
        }
      }
    }
    byDomain.forEach((d, v) -> thresholds.put(d, quantile(v.stream().mapToDouble(Double::doubleValue).toArray(),
        quantile)));
    List<Row> out = new ArrayList<>();
    for (Row r : rows) {
      double[] s = samples.get(r.index());
      if (s == null || s.length == 0) {
        out.add(r.withSuccessRate(null));
        continue;
      }
      double t = thresholds.get(r.domain());
      long ok = Arrays.stream(s).filter(v -> v > t).count();
      out.add(r.withSuccessRate((double) ok / s.length));
    }
    return out;
  }

  /** Nearest-rank quantile: the smallest value with at least {@code q} of the values at or below it. */
  static double quantile(double[] values, double q) {
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(q * s.length - 1e-9);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }

  /** Drops rows whose every sample succeeded (success rate 1); rows without samples are kept. */
  static List<Row> dropEasy(Step step, List<Row> in) {
    return apply(step, in, r -> r.successRate() == null || r.successRate() < 1.0);
  }

  /**
   * The hardest {@code ceil(fraction * n)} rows: lowest success rate first (ties: higher reward, then input order);
   * rows without samples rank last.
   */
  static List<Row> hardest(Step step, List<Row> in, double fraction) {
    return firstFraction(step, in, fraction,
        Comparator.comparingDouble((Row r) -> r.successRate() == null ? 2.0 : r.successRate()).thenComparing(BEST_FIRST));
  }

  /**
   * Caps each domain at its share of the step's rows, {@code floor(n * w_d / sum w)}: equal weights over the domains
   * present when {@code weights} is null, else the given weights (a domain not named has weight 0). The best-scored
   * rows of a domain are kept.
   */
  static List<Row> balance(Step step, List<Row> in, Map<String, Double> weights) {
    Map<String, Double> w = new TreeMap<>();
    if (weights == null) {
      in.forEach(r -> w.put(r.domain(), 1.0));
    } else {
      in.forEach(r -> w.put(r.domain(), weights.getOrDefault(r.domain(), 0.0)));
    }
    double sum = weights == null ? w.size() : weights.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Long> caps = new TreeMap<>();
    w.forEach((d, x) -> caps.put(d, sum <= 0 ? 0 : (long) Math.floor(in.size() * x / sum + 1e-9)));
    step.details.put("caps", caps);
    Map<String, Long> taken = new HashMap<>();
    java.util.Set<Integer> kept = new java.util.HashSet<>();
    for (Row r : in.stream().sorted(BEST_FIRST).toList()) {
      if (taken.merge(r.domain(), 1L, Long::sum) <= caps.get(r.domain())) {
        kept.add(r.index());
      }
    }
    return apply(step, in, r -> kept.contains(r.index()));
  }

  /** Mean oracle reward of the rows that have one (null when none has). */
  static Double meanTrueReward(List<Row> rows) {
    var stats = rows.stream().filter(r -> r.trueReward() != null).mapToDouble(Row::trueReward).summaryStatistics();
    return stats.getCount() == 0 ? null : stats.getAverage();
  }

  /** Rows per domain. */
  static Map<String, Long> byDomain(List<Row> rows) {
    Map<String, Long> m = new TreeMap<>();
    rows.forEach(r -> m.merge(r.domain(), 1L, Long::sum));
    return m;
  }
}
