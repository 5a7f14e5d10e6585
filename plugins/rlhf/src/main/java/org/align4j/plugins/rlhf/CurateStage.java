package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Distributed;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.api.text.Message;
import org.align4j.toolkit.reward.ShardedScoring;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code curate}: Llama 3's data-quality steps (section 4.2.3) on rejection-sampled SFT data, in this order, each
 * counted (rows in, removed, out, per domain) in the JSON report the {@code report} stage shows:
 * <ol>
 *   <li>exact de-duplication of the prompt+response text (128-bit hash), then near de-duplication (MinHash, 5-character
 *       shingles); rows are offered best reward first, so a duplicate group keeps its best-scored member;
 *   <li>quality: the top {@code quality_top_fraction} by the reward-model score rejection sampling wrote, of each
 *       domain by default ({@code quality_by_domain});
 *   <li>difficulty ({@code difficulty: rm}): the model's own success rate on the prompt over its K rejection samples,
 *       a sample succeeding when its RM score is above the {@code success_quantile} of its domain's sample scores;
 *       {@code drop_easy} drops prompts all of whose samples succeed, {@code hardest_fraction} keeps the hardest part;
 *   <li>topic balance: each domain ({@code tags[domain_tag]}) capped at an equal share or its {@code balance_weights}
 *       share of the rows, its best-scored rows kept.
 * </ol>
 * Kept rows are written unchanged, in input order. With every step off the output equals the input.
 */
@ProviderInfo(id = "curate",
    description = "data quality for SFT data: exact/near dedup, RM quality top fraction, difficulty, domain balance")
@StagePort(input = "data", description = "conversations with a reward column (a rejection-sampling data output)")
@StagePort(input = "samples", description = "every sample with its reward (the same rejection-sampling stage's"
    + " samples output); needed by difficulty: rm", required = false)
@StagePort(input = "prompts", description = "the prompts with their task fields (domain, task, reference, check);"
    + " needed by oracle", required = false)
@StagePort(output = "data", description = "the kept rows, unchanged and in input order")
@StagePort(output = "report", description = "JSON: rows in/removed/out per step and per domain")
public final class CurateStage implements Stage<CurateStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(CurateStage.class);

  public record Options(
      @Doc("drop exact duplicates of the prompt+response text") @Default("true") boolean exactDedup,
      @Doc("drop MinHash near duplicates of the prompt+response text") @Default("true") boolean nearDedup,
      @Doc("near dedup: estimated Jaccard similarity that counts as a duplicate, in (0, 1]") @Default("0.8")
          double nearThreshold,
      @Doc("keep this top fraction of the rows by their reward column (the RM score), in (0, 1]; 1: off")
          @Default("1.0") double qualityTopFraction,
      @Doc("quality: the top fraction of each domain (tags[domain_tag]) rather than of all rows") @Default("true")
          boolean qualityByDomain,
      @Doc("none | rm: success rate of the prompt's K samples (the samples input) under the round's RM")
          @Default("none") String difficulty,
      @Doc("difficulty rm: a sample succeeds when its score is above this quantile of its domain's sample scores")
          @Default("0.5") double successQuantile,
      @Doc("difficulty: drop prompts all of whose samples succeed (too easy)") @Default("false") boolean dropEasy,
      @Doc("difficulty: keep this hardest fraction (lowest success rate), in (0, 1]; 1: off") @Default("1.0")
          double hardestFraction,
      @Doc("none | equal | weights: cap each domain at an equal share or its balance_weights share of the rows")
          @Default("none") String balance,
      @Doc("balance weights: domain -> weight (domains not named are dropped)") Map<String, Double> balanceWeights,
      @Doc("which entry of the tags column names the domain (task rows: 0 domain, 1 task)") @Default("0")
          int domainTag,
      @Doc("oracle, reported only (never selects): a reward, e.g. {uses: task-suite}, scoring each row's answer with"
          + " the prompts input's task fields; each step then shows the mean true reward it removed and kept")
          @ComponentKind(RewardProvider.class) ComponentRef oracle) {
    public Options {
      difficulty = difficulty == null ? "none" : difficulty.toLowerCase(Locale.ROOT);
      balance = balance == null ? "none" : balance.toLowerCase(Locale.ROOT);
      if (!(nearThreshold > 0 && nearThreshold <= 1)) {
        throw new IllegalArgumentException("near_threshold must be in (0, 1], got " + nearThreshold);
      }
      if (!(qualityTopFraction > 0 && qualityTopFraction <= 1)) {
        throw new IllegalArgumentException("quality_top_fraction must be in (0, 1], got " + qualityTopFraction);
      }
      if (!List.of("none", "rm").contains(difficulty)) {
        throw new IllegalArgumentException("difficulty must be none or rm, got '" + difficulty + "'");
      }
      if (!(successQuantile > 0 && successQuantile < 1)) {
        throw new IllegalArgumentException("success_quantile must be in (0, 1), got " + successQuantile);
      }
      if (!(hardestFraction > 0 && hardestFraction <= 1)) {
        throw new IllegalArgumentException("hardest_fraction must be in (0, 1], got " + hardestFraction);
      }
      if (difficulty.equals("none") && (dropEasy || hardestFraction < 1)) {
        throw new IllegalArgumentException("drop_easy and hardest_fraction need difficulty: rm");
      }
      if (!List.of("none", "equal", "weights").contains(balance)) {
        throw new IllegalArgumentException("balance must be none, equal or weights, got '" + balance + "'");
      }
      if (balance.equals("weights") != (balanceWeights != null && !balanceWeights.isEmpty())) {
        throw new IllegalArgumentException("balance_weights go with balance: weights (and it needs them)");
      }
      if (balanceWeights != null) {
        for (var e : balanceWeights.entrySet()) {
          if (e.getValue() == null || !(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
            throw new IllegalArgumentException("balance_weights." + e.getKey() + " must be a number >= 0, got "
                + e.getValue());
          }
        }
        balanceWeights = Map.copyOf(balanceWeights);
      }
      if (domainTag < 0) {
        throw new IllegalArgumentException("domain_tag must be >= 0, got " + domainTag);
      }
    }
  }

  @Inject DatasetStore store;
  @Inject Components components;
  @Inject Distributed dist;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    Path dataFile = ctx.input("data");
    List<Map<String, Object>> data = new ArrayList<>();
    List<Curation.Row> rows = new ArrayList<>();
    Map<String, List<Integer>> byPrompt = new HashMap<>();
    Schema schema;
    try (RowStream in = store.rows(dataFile)) {
      schema = in.schema();
      boolean hasReward = schema.getFields().stream().anyMatch(f -> f.getName().equals(Schemas.REWARD));
      if (!hasReward && (o.qualityTopFraction() < 1)) {
        throw new Align4jException(dataFile + ": no '" + Schemas.REWARD + "' column for quality_top_fraction; give a"
            + " rejection-sampling data output");
      }
      while (in.hasNext()) {
        Map<String, Object> row = in.next();
        int at = data.size();
        Object m = row.get(Schemas.MESSAGES);
        if (m == null) {
          throw new Align4jException(dataFile + ": row " + at + ": no '" + Schemas.MESSAGES + "'; expected a"
              + " conversation list<struct<role, content>>");
        }
        List<Message> conv = Rows.messages(m);
        Object rv = row.get(Schemas.REWARD);
        Double reward = rv instanceof Number n ? n.doubleValue() : null;
        rows.add(new Curation.Row(at, text(conv), domain(row, o.domainTag()), reward, null));
        byPrompt.computeIfAbsent(RejectionSamplingStage.key(RejectionSamplingStage.promptOf(conv)),
            k -> new ArrayList<>()).add(at);
        data.add(row);
      }
    }
    if (o.oracle() != null) {
      rows = withTrueRewards(ctx, o.oracle(), rows, data);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("stage", ctx.stageId());
    report.put("in", rows.size());
    report.put("in_by_domain", Curation.byDomain(rows));
    if (o.oracle() != null) {
      report.put("oracle", o.oracle().uses());
      report.put("true_reward_in", Curation.meanTrueReward(rows));
      report.put("rows_without_true_reward", rows.stream().filter(r -> r.trueReward() == null).count());
    }
    List<Map<String, Object>> steps = new ArrayList<>();
    List<Curation.Row> kept = rows;
    if (o.exactDedup()) {
      var s = new Curation.Step("exact_dedup", kept);
      kept = Curation.exact(s, kept);
      steps.add(s.json());
    }
    if (o.nearDedup()) {
      var s = new Curation.Step("near_dedup", kept);
      kept = Curation.near(s, kept, o.nearThreshold(), ctx.seed());
      steps.add(s.json());
    }
    if (o.qualityTopFraction() < 1) {
      var s = new Curation.Step("quality_top", kept);
      kept = Curation.topByReward(s, kept, o.qualityTopFraction(), o.qualityByDomain());
      steps.add(s.json());
    }
    if (o.difficulty().equals("rm")) {
      Map<Integer, double[]> samples = sampleScores(ctx, byPrompt);
      Map<String, Double> thresholds = new TreeMap<>();
      kept = Curation.successRates(kept, samples, o.successQuantile(), thresholds);
      Map<String, Object> difficulty = new LinkedHashMap<>();
      difficulty.put("by", "rm");
      difficulty.put("success_quantile", o.successQuantile());
      difficulty.put("threshold_by_domain", thresholds);
      difficulty.put("mean_success_rate_by_domain", meanSuccess(kept));
      difficulty.put("rows_without_samples", kept.stream().filter(r -> r.successRate() == null).count());
      report.put("difficulty", difficulty);
      if (o.dropEasy()) {
        var s = new Curation.Step("drop_easy", kept);
        kept = Curation.dropEasy(s, kept);
        steps.add(s.json());
      }
      if (o.hardestFraction() < 1) {
        var s = new Curation.Step("hardest", kept);
        kept = Curation.hardest(s, kept, o.hardestFraction());
        steps.add(s.json());
      }
    }
    if (!o.balance().equals("none")) {
      var s = new Curation.Step("balance", kept);
      kept = Curation.balance(s, kept, o.balance().equals("weights") ? o.balanceWeights() : null);
      steps.add(s.json());
    }
    report.put("steps", steps);
    report.put("out", kept.size());
    report.put("out_by_domain", Curation.byDomain(kept));
    if (o.oracle() != null) {
      report.put("true_reward_out", Curation.meanTrueReward(kept));
    }
    List<Map<String, Object>> out = new ArrayList<>();
    kept.forEach(r -> out.add(data.get(r.index())));
    store.write(ctx.output("data"), schema, out.iterator());
    StageFiles.writeJson(ctx, ctx.output("report"), report);
    ctx.metrics().scalar("curate/in", rows.size(), 0);
    ctx.metrics().scalar("curate/out", kept.size(), 0);
    LOG.info("curate {}: {} rows in, {} out ({})", ctx.stageId(), rows.size(), kept.size(), steps.stream()
        .map(s -> s.get("step") + " -" + s.get("removed")).toList());
  }

  /** The K sample scores of each data row, joined by prompt (roles and contents, system prompts aside). */
  private Map<Integer, double[]> sampleScores(StageContext ctx, Map<String, List<Integer>> byPrompt)
      throws java.io.IOException {
    Path file = ctx.optionalInput("samples").orElseThrow(() -> new Align4jException("stage '" + ctx.stageId()
        + "' (curate): difficulty: rm needs the samples input (the rejection-sampling stage's samples output)"));
    Map<Integer, List<Double>> scores = new HashMap<>();
    try (RowStream in = store.rows(file)) {
      long at = 0;
      while (in.hasNext()) {
        Map<String, Object> row = in.next();
        long index = at++;
        Object p = row.get(Schemas.PROMPT);
        if (p == null || !(row.get(Schemas.REWARD) instanceof Number reward)) {
          throw new Align4jException(file + ": row " + index + ": needs '" + Schemas.PROMPT + "' and a numeric '"
              + Schemas.REWARD + "' (a rejection-sampling samples output)");
        }
        List<Integer> targets = byPrompt.get(RejectionSamplingStage.key(Rows.messages(p)));
        if (targets != null) {
          for (int t : targets) {
            scores.computeIfAbsent(t, x -> new ArrayList<>()).add(reward.doubleValue());
          }
        }
      }
    }
    Map<Integer, double[]> out = new HashMap<>();
    scores.forEach((k, v) -> out.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
    return out;
  }

  /**
   * The rows with the oracle's reward of their answer (the conversation's last turn), the task fields taken from the
   * prompts input by prompt; rows whose prompt is not there get none.
   */
  private List<Curation.Row> withTrueRewards(StageContext ctx, ComponentRef oracle, List<Curation.Row> rows,
      List<Map<String, Object>> data) throws Exception {
    Path file = ctx.optionalInput("prompts").orElseThrow(() -> new Align4jException("stage '" + ctx.stageId()
        + "' (curate): oracle needs the prompts input (the task rows the samples answered)"));
    Map<String, Map<String, String>> meta = new HashMap<>();
    try (RowStream in = store.rows(file)) {
      long at = 0;
      while (in.hasNext()) {
        Map<String, Object> row = in.next();
        long index = at++;
        Object m = row.get(Schemas.MESSAGES) != null ? row.get(Schemas.MESSAGES) : row.get(Schemas.PROMPT);
        if (m == null) {
          throw new Align4jException(file + ": row " + index + ": no '" + Schemas.MESSAGES + "' or '" + Schemas.PROMPT
              + "' column; expected the task prompts");
        }
        meta.put(RejectionSamplingStage.key(RejectionSamplingStage.promptOf(Rows.messages(m))),
            PpoRollouts.metadata(row));
      }
    }
    List<Integer> scored = new ArrayList<>();
    List<List<Message>> prompts = new ArrayList<>();
    List<String> answers = new ArrayList<>();
    List<Map<String, String>> metas = new ArrayList<>();
    for (Curation.Row r : rows) {
      List<Message> conv = Rows.messages(data.get(r.index()).get(Schemas.MESSAGES));
      List<Message> prompt = RejectionSamplingStage.promptOf(conv);
      Map<String, String> m = meta.get(RejectionSamplingStage.key(prompt));
      if (m != null && prompt.size() < conv.size()) {
        scored.add(r.index());
        prompts.add(prompt);
        answers.add(conv.get(conv.size() - 1).content());
        metas.add(m);
      }
    }
    Reward reward = RewardProvider.resolve(components, oracle);
    List<RewardResult> scores;
    try {
      scores = ShardedScoring.scoreAll(dist, reward, prompts, answers, metas); // split across the ranks, in order
    } finally {
      if (reward instanceof AutoCloseable c) {
        c.close();
      }
    }
    Map<Integer, Double> truth = new HashMap<>();
    for (int i = 0; i < scored.size(); i++) {
      truth.put(scored.get(i), scores.get(i).score());
    }
    List<Curation.Row> out = new ArrayList<>();
    for (Curation.Row r : rows) {
      out.add(new Curation.Row(r.index(), r.text(), r.domain(), r.reward(), r.successRate(), truth.get(r.index())));
    }
    return out;
  }

  private static Map<String, Double> meanSuccess(List<Curation.Row> rows) {
    Map<String, double[]> acc = new TreeMap<>();
    for (Curation.Row r : rows) {
      if (r.successRate() != null) {
        double[] a = acc.computeIfAbsent(r.domain(), d -> new double[2]);
        a[0] += r.successRate();
        a[1]++;
      }
    }
    Map<String, Double> out = new TreeMap<>();
    acc.forEach((d, a) -> out.put(d, a[0] / a[1]));
    return out;
  }

  /** The compared text: the conversation's user and assistant turns (system prompts steer, they are not content). */
  static String text(List<Message> conv) {
    StringBuilder sb = new StringBuilder();
    for (Message m : conv) {
      if (!m.role().equals("system")) {
        sb.append(m.role()).append(": ").append(m.content().strip()).append('\n');
      }
    }
    return sb.toString();
  }

  static String domain(Map<String, Object> row, int tag) {
    if (row.get(Schemas.TAGS) instanceof List<?> tags && tags.size() > tag && tags.get(tag) != null) {
      return String.valueOf(tags.get(tag));
    }
    return Curation.NO_DOMAIN;
  }
}
