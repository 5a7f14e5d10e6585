package org.align4j.plugins.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Distributed;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;
import org.align4j.toolkit.reward.ShardedScoring;

/**
 * Scores samples with a reward (by default the task suite's programs: the true reward) and writes a table:
 * mean reward with its standard error per policy and per task, label rates (correct, refusal, unsafe, ...),
 * and, when a baseline is given, the gap between the two with its standard error and z-score.
 *
 * <p>Standard errors are clustered by prompt: a held-out set drawn from a small prompt space repeats prompts
 * (the task suite's instruction domain has 16 distinct held-out prompts behind 75 rows), and greedy answers to a
 * repeated prompt are one observation, not several. With every prompt distinct the clustered error equals the
 * plain one; {@code se_rows} keeps the per-row error for comparison and {@code prompts} counts the clusters.
 *
 * <p>Under data parallel each rank scores its share of the samples (pieces of {@value ShardedScoring#CHUNK}) and every rank
 * gets all scores in order, so N ranks write what one process writes.
 */
@ProviderInfo(id = "evaluate",
    description = "scores samples with a reward; mean, standard error, label rates per task; gap vs a baseline")
@StagePort(input = "samples", description = "samples dataset to score")
@StagePort(input = "baseline", description = "samples of a baseline policy on the same prompts", required = false)
@StagePort(output = "evaluation", description = "directory: summary.json, table.csv")
public final class EvaluateStage implements Stage<EvaluateStage.Options> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EvaluateStage.class);

  public record Options(
      @Doc("the reward that scores each sample") @ComponentKind(RewardProvider.class) @Default("{uses: task-suite}")
          ComponentRef reward,
      @Doc("metadata column that groups the table") @Default("task") String groupBy) {}

  /**
   * Samples scored per piece: the pieces are split across the ranks and gathered in order, and one process scores the
   * same pieces in turn, so a reward that batches (a reward model whose batch_size divides 16) sees the same batches.
   */

  @Inject Components components;
  @Inject Distributed dist;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    Reward reward = RewardProvider.resolve(components, o.reward());
    var policies = new LinkedHashMap<String, Scored>();
    Scored main = score(ctx, reward, ctx.input("samples"), o.groupBy());
    policies.put(main.policy, main);
    Scored base = null;
    if (ctx.optionalInput("baseline").isPresent()) {
      base = score(ctx, reward, ctx.input("baseline"), o.groupBy());
      policies.put(base.policy + (base.policy.equals(main.policy) ? " (baseline)" : ""), base);
    }
    var summary = new LinkedHashMap<String, Object>();
    summary.put("reward", o.reward().uses());
    var table = new LinkedHashMap<String, Object>();
    var csv = new StringBuilder("policy,group,n,prompts,mean,se,se_rows,labels\n");
    int step = 0;
    for (var e : policies.entrySet()) {
      var s = e.getValue();
      var groups = new LinkedHashMap<String, Object>();
      groups.put("all", s.all.toMap());
      csv.append(row(e.getKey(), "all", s.all));
      for (var g : s.groups.entrySet()) {
        groups.put(g.getKey(), g.getValue().toMap());
        csv.append(row(e.getKey(), g.getKey(), g.getValue()));
      }
      table.put(e.getKey(), groups);
      ctx.metrics().scalar("eval/" + e.getKey() + "/reward", s.all.mean(), step);
      step++;
    }
    summary.put("policies", table);
    if (base != null) {
      var cmp = new LinkedHashMap<String, Object>();
      cmp.put("policy", main.policy);
      cmp.put("baseline", base.policy);
      double gap = main.all.mean() - base.all.mean();
      double se = Math.sqrt(main.all.se() * main.all.se() + base.all.se() * base.all.se());
      cmp.put("gap", gap);
      cmp.put("se", se);
      cmp.put("z", se > 0 ? gap / se : (gap == 0 ? 0.0 : Double.POSITIVE_INFINITY));
      boolean paired = main.values.size() == base.values.size();
      var groupDiffs = new TreeMap<String, Stats>();
      if (paired) {
        var diff = new Stats();
        for (int i = 0; i < main.values.size(); i++) {
          double d = main.values.get(i) - base.values.get(i);
          diff.add(d, null, main.promptKeys.get(i));
          groupDiffs.computeIfAbsent(main.groupKeys.get(i), k -> new Stats()).add(d, null, main.promptKeys.get(i));
        }
        cmp.put("paired_se", diff.se());
        cmp.put("paired_z", diff.se() > 0 ? diff.mean() / diff.se() : 0.0);
        cmp.put("prompts", diff.clusters());
      }
      var byGroup = new TreeMap<String, Object>();
      for (var g : main.groups.entrySet()) {
        Stats b = base.groups.get(g.getKey());
        if (b != null) {
          double gg = g.getValue().mean() - b.mean();
          double gs = Math.sqrt(g.getValue().se() * g.getValue().se() + b.se() * b.se());
          var m = new LinkedHashMap<String, Object>();
          m.put("gap", gg);
          m.put("se", gs);
          Stats d = groupDiffs.get(g.getKey());
          if (d != null) {
            m.put("paired_se", d.se());
            m.put("paired_z", d.se() > 0 ? d.mean() / d.se() : 0.0);
            m.put("prompts", d.clusters());
          }
          byGroup.put(g.getKey(), m);
        }
      }
      cmp.put("by_group", byGroup);
      summary.put("comparison", cmp);
      ctx.metrics().scalar("eval/gap", gap, 0);
      ctx.metrics().scalar("eval/gap_z", se > 0 ? gap / se : 0.0, 0);
      org.slf4j.LoggerFactory.getLogger(EvaluateStage.class).info(
          "evaluate: {} mean reward {} vs {} {}: gap {} +- {} (z = {})", main.policy, fmt(main.all.mean()),
          base.policy, fmt(base.all.mean()), fmt(gap), fmt(se), fmt(se > 0 ? gap / se : 0));
    }
    Path out = ctx.output("evaluation");
    Files.createDirectories(out);
    Files.writeString(out.resolve("summary.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
        .writeValueAsString(summary));
    Files.writeString(out.resolve("table.csv"), csv.toString());
    var examples = new StringBuilder();
    var json = new ObjectMapper();
    for (var s : policies.values()) {
      for (var ex : s.examples) {
        examples.append(json.writeValueAsString(ex)).append('\n');
      }
    }
    Files.writeString(out.resolve("examples.jsonl"), examples.toString());
  }

  private static String fmt(double v) {
    return String.format("%.3f", v);
  }

  private static String row(String policy, String group, Stats s) {
    var labels = new StringBuilder();
    s.labels.forEach((k, v) -> labels.append(labels.length() == 0 ? "" : ";").append(k).append('=').append(v));
    return policy + "," + group + "," + s.n + "," + s.clusters() + "," + s.mean() + "," + s.se() + "," + s.seRows() + ","
        + labels + "\n";
  }

  private Scored score(StageContext ctx, Reward reward, Path samples, String groupBy) throws Exception {
    var rows = StageSupport.InputRows.read(ctx, samples, 0);
    var scored = new Scored();
    var prompts = new ArrayList<List<Message>>(rows.size());
    var responses = new ArrayList<String>(rows.size());
    var metas = new ArrayList<Map<String, String>>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      var r = rows.get(i);
      prompts.add(rows.conversation(i));
      Object resp = r.get(Schemas.RESPONSE);
      responses.add(resp == null ? "" : resp.toString());
      metas.add(Rows.metadata(r));
      if (i == 0 && r.get(Schemas.POLICY) != null) {
        scored.policy = r.get(Schemas.POLICY).toString();
      }
    }
    // every rank scores its share of the samples and all get every score, in order: N ranks compute what one does
    List<RewardResult> results = ShardedScoring.scoreAll(dist, reward, prompts, responses, metas);
    if (dist != null && dist.worldSize() > 1) {
      LOG.info("evaluate: rank {} of {} scored {} of the {} samples of {}", dist.rank(), dist.worldSize(),
          ShardedScoring.share(rows.size(), dist.rank(), dist.worldSize()), rows.size(), samples.getFileName());
    }
    boolean hasStopped = !rows.isEmpty() && rows.get(0).containsKey(STOPPED);
    for (int i = 0; i < results.size(); i++) {
      var res = results.get(i);
      String key = promptKey(prompts.get(i));
      scored.values.add(res.score());
      scored.promptKeys.add(key);
      scored.all.add(res.score(), res.label(), key);
      String g = metas.get(i).getOrDefault(groupBy, "all");
      scored.groupKeys.add(g);
      Stats group = scored.groups.computeIfAbsent(g, k -> new Stats());
      group.add(res.score(), res.label(), key);
      if (hasStopped) {
        boolean unterminated = !Boolean.TRUE.equals(rows.get(i).get(STOPPED));
        boolean repeating = unterminated && repeatsAtTail(responses.get(i));
        scored.all.termination(unterminated, repeating);
        group.termination(unterminated, repeating);
      }
      if (scored.examples.size() < EXAMPLES && scored.exampleGroups.add(g + "#" + (i % 3))) {
        var ex = new LinkedHashMap<String, Object>();
        ex.put("policy", scored.policy);
        var conv = prompts.get(i);
        ex.put("prompt", conv.isEmpty() ? "" : conv.get(conv.size() - 1).content());
        ex.put("response", responses.get(i));
        ex.put("reward", res.score());
        ex.put("label", res.label());
        scored.examples.add(ex);
      }
    }
    return scored;
  }

  private static final int EXAMPLES = 8;

  /** The generate stage's column: whether the sample ended with a stop token within its token limit. */
  static final String STOPPED = "stopped";

  /**
   * Whether a response ends in a loop: its last words are one word n-gram (n = 1..3) repeated at least three times
   * in a row (Llama 3's DPO failure mode "tail repetition", counted among responses that never terminated).
   */
  static boolean repeatsAtTail(String response) {
    String[] w = response.strip().split("\\s+");
    for (int n = 1; n <= 3; n++) {
      if (w.length < 3 * n) {
        continue;
      }
      boolean same = true;
      for (int rep = 1; rep < 3 && same; rep++) {
        for (int j = 0; j < n; j++) {
          if (!w[w.length - 1 - j].equals(w[w.length - 1 - j - rep * n])) {
            same = false;
            break;
          }
        }
      }
      if (same) {
        return true;
      }
    }
    return false;
  }

  /** The cluster of a sample: its whole prompt (every message, roles included). */
  static String promptKey(List<Message> prompt) {
    var sb = new StringBuilder();
    for (Message m : prompt) {
      sb.append(m.role()).append('\u0000').append(m.content()).append('\u0001');
    }
    return sb.toString();
  }

  private static final class Scored {
    String policy = "samples";
    final List<Map<String, Object>> examples = new ArrayList<>();
    final java.util.Set<String> exampleGroups = new java.util.HashSet<>();
    final List<Double> values = new ArrayList<>();
    final List<String> promptKeys = new ArrayList<>();
    final List<String> groupKeys = new ArrayList<>();
    final Stats all = new Stats();
    final Map<String, Stats> groups = new TreeMap<>();
  }

  /**
   * Running mean/variance (Welford), label counts, and per-cluster sums for the cluster-robust standard error
   * (Liang-Zeger with the G/(G-1) small-sample factor): se^2 = G/(G-1) * sum_c (sum_{i in c} (x_i - mean))^2 / n^2.
   */
  static final class Stats {
    long n;
    double mean;
    double m2;
    final Map<String, Long> labels = new TreeMap<>();
    private final Map<String, double[]> clusters = new java.util.HashMap<>(); // key -> {count, sum}
    long terminationCounted;
    long unterminated;
    long unterminatedRepeating;

    /** A sample's termination: it hit the token limit without a stop token, and whether its tail loops. */
    void termination(boolean unterminated, boolean repeating) {
      terminationCounted++;
      this.unterminated += unterminated ? 1 : 0;
      this.unterminatedRepeating += repeating ? 1 : 0;
    }

    void add(double x) {
      n++;
      double d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }

    void add(double x, String label) {
      add(x, label, null);
    }

    /** One sample in cluster {@code key} (null: a cluster of its own). */
    void add(double x, String label, String key) {
      add(x);
      if (label != null) {
        labels.merge(label, 1L, Long::sum);
      }
      double[] c = clusters.computeIfAbsent(key == null ? "\u0002row" + n : key, k -> new double[2]);
      c[0]++;
      c[1] += x;
    }

    /** Distinct clusters (prompts) among the samples. */
    long clusters() {
      return clusters.size();
    }

    double mean() {
      return mean;
    }

    double sd() {
      return n > 1 ? Math.sqrt(m2 / (n - 1)) : 0.0;
    }

    /** Per-row standard error (samples taken as independent). */
    double seRows() {
      return n > 0 ? sd() / Math.sqrt(n) : 0.0;
    }

    /** Standard error clustered by prompt; equals {@link #seRows} when every prompt occurs once. */
    double se() {
      long g = clusters.size();
      if (g < 2) {
        return seRows();
      }
      double ss = 0;
      for (double[] c : clusters.values()) {
        double r = c[1] - c[0] * mean;
        ss += r * r;
      }
      return Math.sqrt((double) g / (g - 1) * ss) / n;
    }

    Map<String, Object> toMap() {
      var m = new LinkedHashMap<String, Object>();
      m.put("n", n);
      m.put("mean", mean());
      m.put("sd", sd());
      m.put("se", se());
      m.put("se_rows", seRows());
      m.put("prompts", clusters());
      if (terminationCounted > 0) {
        m.put("unterminated_rate", (double) unterminated / terminationCounted);
        m.put("unterminated_repeating_rate", (double) unterminatedRepeating / terminationCounted);
      }
      var rates = new LinkedHashMap<String, Object>();
      labels.forEach((k, v) -> rates.put(k, (double) v / n));
      m.put("label_rates", rates);
      return m;
    }
  }
}
