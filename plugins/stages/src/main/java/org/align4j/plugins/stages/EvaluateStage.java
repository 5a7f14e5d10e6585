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
import org.align4j.api.data.Schemas;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/**
 * Scores samples with a reward (by default the task suite's programs: the true reward) and writes a table:
 * mean reward with its standard error per policy and per task, label rates (correct, refusal, unsafe, ...),
 * and, when a baseline is given, the gap between the two with its standard error and z-score.
 */
public final class EvaluateStage implements Stage<EvaluateStage.Options> {
  public record Options(
      @Doc("the reward that scores each sample") @ComponentKind(RewardProvider.class) @Default("{uses: task-suite}")
          ComponentRef reward,
      @Doc("metadata column that groups the table") @Default("task") String groupBy) {}

  @Inject Components components;

  @Override
  public String id() {
    return "evaluate";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "scores samples with a reward; mean, standard error, label rates per task; gap vs a baseline";
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("samples", "samples dataset to score"),
        Port.optional("baseline", "samples of a baseline policy on the same prompts"));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("evaluation", "directory: summary.json, table.csv"));
  }

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
    var csv = new StringBuilder("policy,group,n,mean,se,labels\n");
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
      if (main.values.size() == base.values.size()) {
        var diff = new Stats();
        for (int i = 0; i < main.values.size(); i++) {
          diff.add(main.values.get(i) - base.values.get(i));
        }
        cmp.put("paired_se", diff.se());
        cmp.put("paired_z", diff.se() > 0 ? diff.mean() / diff.se() : 0.0);
      }
      var byGroup = new TreeMap<String, Object>();
      for (var g : main.groups.entrySet()) {
        Stats b = base.groups.get(g.getKey());
        if (b != null) {
          double gg = g.getValue().mean() - b.mean();
          double gs = Math.sqrt(g.getValue().se() * g.getValue().se() + b.se() * b.se());
          byGroup.put(g.getKey(), Map.of("gap", gg, "se", gs));
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
    return policy + "," + group + "," + s.n + "," + s.mean() + "," + s.se() + "," + labels + "\n";
  }

  private Scored score(StageContext ctx, Reward reward, Path samples, String groupBy) throws Exception {
    var rows = StageSupport.readAll(ctx, samples, 0);
    var scored = new Scored();
    var prompts = new ArrayList<List<Message>>(rows.size());
    var responses = new ArrayList<String>(rows.size());
    var metas = new ArrayList<Map<String, String>>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      var r = rows.get(i);
      prompts.add(StageSupport.conversation(r, samples, i));
      Object resp = r.get(Schemas.RESPONSE);
      responses.add(resp == null ? "" : resp.toString());
      metas.add(Rows.metadata(r));
      if (i == 0 && r.get(Schemas.POLICY) != null) {
        scored.policy = r.get(Schemas.POLICY).toString();
      }
    }
    List<RewardResult> results = reward.scoreAll(prompts, responses, metas);
    for (int i = 0; i < results.size(); i++) {
      var res = results.get(i);
      scored.values.add(res.score());
      scored.all.add(res.score(), res.label());
      String g = metas.get(i).getOrDefault(groupBy, "all");
      scored.groups.computeIfAbsent(g, k -> new Stats()).add(res.score(), res.label());
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

  private static final class Scored {
    String policy = "samples";
    final List<Map<String, Object>> examples = new ArrayList<>();
    final java.util.Set<String> exampleGroups = new java.util.HashSet<>();
    final List<Double> values = new ArrayList<>();
    final Stats all = new Stats();
    final Map<String, Stats> groups = new TreeMap<>();
  }

  /** Running mean/variance (Welford) and label counts. */
  static final class Stats {
    long n;
    double mean;
    double m2;
    final Map<String, Long> labels = new TreeMap<>();

    void add(double x) {
      n++;
      double d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }

    void add(double x, String label) {
      add(x);
      if (label != null) {
        labels.merge(label, 1L, Long::sum);
      }
    }

    double mean() {
      return mean;
    }

    double sd() {
      return n > 1 ? Math.sqrt(m2 / (n - 1)) : 0.0;
    }

    double se() {
      return n > 0 ? sd() / Math.sqrt(n) : 0.0;
    }

    Map<String, Object> toMap() {
      var m = new LinkedHashMap<String, Object>();
      m.put("n", n);
      m.put("mean", mean());
      m.put("sd", sd());
      m.put("se", se());
      var rates = new LinkedHashMap<String, Object>();
      labels.forEach((k, v) -> rates.put(k, (double) v / n));
      m.put("label_rates", rates);
      return m;
    }
  }
}
