package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.engine.TrainingLoopOptions;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.Rating;
import org.align4j.api.loss.RewardModelLoss;
import org.align4j.api.loss.RewardModelLossProvider;
import org.align4j.api.metrics.Progress;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a reward model (Llama 2, section 3.2.2; Llama 3, section 4.1.2): initialised from a chat checkpoint with
 * the next-token head replaced by a scalar head, trained on preference pairs with a ranking loss
 * ({@code loss: {uses: ranking, margin: small}} for Llama 2's margin loss, {@code ranking-multi} for Llama 3's
 * margin-free ranking over edited &gt; chosen &gt; rejected), evaluated per rating bucket on held-out pairs.
 */
@ProviderInfo(id = "reward-model",
    description = "reward model: chat checkpoint + scalar head trained with a ranking loss; accuracy per rating bucket")
@StagePort(output = "model", description = "the reward model checkpoint (score head, tokenizer files beside it)")
@StagePort(output = "eval", description = "evaluation JSON: accuracy overall, per rating bucket and per domain")
public final class RewardModelStage implements Stage<RewardModelStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(RewardModelStage.class);

  /** How a batch of ranked responses is laid out in rows (see {@link RewardScoring}). */
  public enum Layout {
    /** One row per (prompt, response) (Llama 2). */
    PAIRS,
    /** The prompt once, then its 2-3 responses, in one shared-prefix row (Llama 3). */
    SHARED_PREFIX
  }

  public record Options(
      @Doc("the ranking loss: {uses: ranking, margin: small|large|none} (Llama 2) or {uses: ranking-multi} (Llama 3)")
          @ComponentKind(RewardModelLossProvider.class) @Default("{uses: ranking, margin: small}") ComponentRef loss,
      @Doc("pairs: one row per (prompt, response) (Llama 2); shared_prefix: the prompt once and its 2-3 responses in"
          + " one row (Llama 3)") @Default("pairs") Layout layout,
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("keep only these ratings (empty: all; Llama 3 keeps significantly_better and better)") @Default("[]")
          List<String> ratings,
      @Doc("keep only these domains, e.g. [helpfulness] (empty: all)") @Default("[]") List<String> domains,
      @Doc("Llama 2's data mixing: for each domain not in domains, the fraction of the training pairs drawn from it"
          + " (uniformly, capped by what there is), e.g. {helpfulness: 0.1} for the safety RM, {safety: 0.5} for the"
          + " helpfulness RM; held-out pairs stay those of domains") Map<String, Double> mix,
      @Doc("rank an annotator-edited response above chosen when a row has one (Llama 3; Llama 2's pairs are binary)")
          @Default("false") boolean useEdited,
      @Doc("max_len, eval_fraction, limit (rows)") @Flat PreferenceTraining.PairOptions pairs,
      @Doc("evaluate the initial model on the held-out pairs too") @Default("true") boolean evalBefore,
      @Doc("AdamW and its schedule (Llama 2: lr 1e-5, 5e-6 for 70B; cosine to 10% of lr; warm-up 3% of the steps,"
          + " at least 5); keys not given keep these defaults")
          @Default("{lr: 1.0e-5, schedule: cosine, warmup_ratio: 0.03, warmup_steps: 5, min_lr_ratio: 0.1,"
              + " weight_decay: 0.1, grad_clip: 1.0}") OptimizerOptions optimizer,
      @Doc("batch_size (preference pairs; Llama 2: 512 per batch), accumulation, epochs (over the pairs; Llama 2: 1,"
          + " longer over-fits), steps, checkpoint_every, log_every")
          @Default("{batch_size: 8}") @Flat TrainingLoopOptions loop,
      @Doc("store the mean score of the training responses as score_offset beside the checkpoint; the reward-model"
          + " reward subtracts it, so an average response scores 0 (sigmoid 0.5). A ranking loss leaves the level of"
          + " the scores free, and Llama 2's safety gate sigmoid(safety) < 0.15 reads that level")
          @Default("true") boolean centerScores) {
    public Options {
      if (loss == null) {
        throw new IllegalArgumentException("loss is required, e.g. {uses: ranking, margin: small}");
      }
      ratings = ratings == null ? List.of() : List.copyOf(ratings);
      domains = domains == null ? List.of() : List.copyOf(domains);
      mix = mix == null ? Map.of() : Map.copyOf(mix);
      double mixed = 0;
      for (var e : mix.entrySet()) {
        if (domains.isEmpty() || domains.contains(e.getKey())) {
          throw new IllegalArgumentException("mix: domain '" + e.getKey() + "' must be one outside domains "
              + domains + " (mix adds other domains' pairs to those of domains)");
        }
        if (!(e.getValue() >= 0 && e.getValue() < 1)) {
          throw new IllegalArgumentException("mix: the fraction for '" + e.getKey() + "' must be in [0, 1), got "
              + e.getValue());
        }
        mixed += e.getValue();
      }
      if (mixed >= 1) {
        throw new IllegalArgumentException("mix: the fractions must add up to less than 1, got " + mixed);
      }
      Preferences.ratings(ratings); // refuses unknown names
    }
  }

  @Inject EngineServices engine;

  @Override
  public List<Port> inputs() {
    return PreferenceTraining.inputs("chat (SFT) checkpoint to initialise from", List.of());
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    RewardModelLoss loss = RewardModelLossProvider.resolve(ctx.components(), o.loss());
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    Path modelDir = chat.modelDir();
    Tokenizer tok = chat.tokenizer();
    ChatFormat format = chat.format();

    Set<String> read = new java.util.HashSet<>(o.domains());
    read.addAll(o.mix().keySet());
    var filter = new Preferences.Filter(Preferences.ratings(o.ratings()), read, o.useEdited(), loss.needsRatings(),
        o.pairs().limit());
    Map<String, Long> mixedIn = new LinkedHashMap<>();
    long splitSeed = StageFiles.splitSeed(ctx);
    PreferenceTraining.Data data = PreferenceTraining.load(ctx, id(), engine.store(), filter, o.pairs(),
        p -> Preferences.encode(p, format, tok, MaskPolicy.ASSISTANT),
        e -> o.layout() == Layout.PAIRS ? e.longest() : e.sharedLength(),
        // one split over the union of the domains, so every RM stage on this dataset holds out the same rows
        parts -> o.mix().isEmpty() ? parts : List.of(
            parts.get(0).stream().filter(p -> o.domains().contains(p.domain())).toList(),
            mix(parts.get(1), o.domains(), o.mix(), splitSeed, mixedIn)));
    List<Preferences.Encoded> train = data.train();
    List<Preferences.Encoded> eval = data.eval();
    Map<String, Long> dropped = data.dropped();
    LOG.info("reward-model: {} training pairs, {} held out, layout {}", train.size(), eval.size(), o.layout());

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("train_pairs", train.size());
    report.put("eval_pairs", eval.size());
    report.put("layout", o.layout().name().toLowerCase());
    report.put("loss", o.loss().uses());
    report.put("dropped", dropped);
    if (!mixedIn.isEmpty()) {
      report.put("mixed_in", mixedIn);
    }
    try (LanguageModel model = engine.models().load(modelDir, Models.LoadOptions.withScoreHead(ctx.seed()))) {
      if (o.evalBefore() && !eval.isEmpty()) {
        report.put("before", evaluate(model, eval, o));
      }
      TrainerOptions topts = o.loop().trainerOptions(o.optimizer(), ctx.seed());
      boolean ratings = loss.needsRatings();
      Trainer.StepFunction step = s -> {
        List<Preferences.Encoded> batch = new ArrayList<>(s.indices().length);
        for (int i : s.indices()) {
          batch.add(train.get(i));
        }
        RewardScoring.Scored scored = RewardScoring.score(model, batch, o.layout(), ratings);
        LossResult r = loss.compute(scored.batch());
        var diag = new LinkedHashMap<>(r.diagnostics());
        diag.put("tokens", (double) scored.tokens());
        return new LossResult(r.loss(), diag);
      };
      Map<String, Tensor> params = new LinkedHashMap<>(model.parameters());
      params.remove("lm_head.weight"); // a reward model never reads the LM head
      Trainer.TrainResult result =
          PreferenceTraining.train(ctx, id(), engine.trainer(), params, train.size(), step, topts);
      report.put("steps", result.steps());
      report.put("resumed_from", result.resumedFrom());
      if (!result.losses().isEmpty()) {
        report.put("final_loss", result.losses().get(result.losses().size() - 1));
      }
      Map<String, Object> after = eval.isEmpty() ? null : evaluate(model, eval, o);
      report.putAll(chanceTest(after));
      if (!Boolean.TRUE.equals(report.get(BEATS_CHANCE))) {
        LOG.warn("reward-model {}: held-out accuracy {} does not beat chance (z = {} < {} on {} pairs): a stage"
            + " that selects by this reward model selects noise", ctx.stageId(),
            after == null ? "unknown" : String.format("%.3f", (Double) after.get("accuracy")),
            String.format("%.2f", (Double) report.get("chance_z")), CHANCE_Z, after == null ? 0 : after.get("pairs"));
      }
      if (after != null) {
        report.put("after", after);
        ctx.metrics().scalar("eval/accuracy", ((Number) after.get("accuracy")).doubleValue(), result.steps());
        if (after.get("by_rating") instanceof Map<?, ?> buckets) {
          for (var e : buckets.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> bucket && bucket.get("accuracy") instanceof Number accuracy) {
              ctx.metrics().scalar("eval/accuracy/" + e.getKey(), accuracy.doubleValue(), result.steps());
            }
          }
        }
      }
      Path out = ctx.output("model");
      engine.models().save(model, out);
      ChatInputs.copyTokenizer(chat.tokenizerPath(), out);
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("chat_format", ChatInputs.chatFormatId(ctx, o.chatFormat()));
      meta.put("max_len", o.pairs().maxLen());
      meta.put("trained_by", "align4j reward-model stage");
      if (o.centerScores()) {
        double offset = meanScore(model, train, o);
        meta.put(SCORE_OFFSET, offset);
        report.put(SCORE_OFFSET, offset);
      }
      StageFiles.writeJson(ctx, out.resolve(StageFiles.REWARD_META), meta);
      StageFiles.writeJson(ctx, out.resolve(EVAL_FILE), report);
    }
    StageFiles.writeJson(ctx, ctx.output("eval"), report);
  }

  /**
   * Accuracy of the chosen-over-rejected ordering on held-out pairs, overall, per rating bucket (the papers report
   * it highest on significantly_better) and per domain; plus edited-over-chosen where rows have an edit.
   */
  Map<String, Object> evaluate(LanguageModel model, List<Preferences.Encoded> eval, Options o) {
    Map<String, double[]> byRating = new LinkedHashMap<>();
    for (Rating r : Rating.values()) {
      byRating.put(r.key(), new double[3]);
    }
    Map<String, double[]> byDomain = new LinkedHashMap<>();
    Map<String, double[]> byTask = new java.util.TreeMap<>();
    double[] all = new double[3];
    double[] truth = new double[3];
    long trueTies = 0;
    double[] edited = new double[3];
    int bs = Math.max(1, o.loop().batchSize());
    for (int from = 0; from < eval.size(); from += bs) {
      List<Preferences.Encoded> batch = eval.subList(from, Math.min(eval.size(), from + bs));
      double[] scores;
      long k;
      try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        RankingBatch rb = RewardScoring.score(model, batch, o.layout(), false).batch();
        scores = Tensors.toDoubles(rb.scores());
        k = rb.responses();
      }
      for (int b = 0; b < batch.size(); b++) {
        Preferences.Encoded e = batch.get(b);
        double c = scores[(int) (b * k + e.chosen())];
        double r = scores[(int) (b * k + e.rejected())];
        double right = c > r ? 1 : 0;
        add(all, right, c - r);
        if (e.pair().rating() != null) {
          add(byRating.get(e.pair().rating().key()), right, c - r);
        }
        String d = e.pair().domain() == null ? "none" : e.pair().domain();
        add(byDomain.computeIfAbsent(d, x -> new double[3]), right, c - r);
        if (e.pair().task() != null) {
          add(byTask.computeIfAbsent(e.pair().task(), x -> new double[3]), right, c - r);
        }
        double gap = e.pair().trueGap();
        if (Math.abs(gap) > 1e-9) { // the true reward orders the pair: is the model's order the true one?
          double towardTruth = Math.signum(gap) * (c - r);
          add(truth, towardTruth > 0 ? 1 : 0, towardTruth);
        } else if (gap == 0) {
          trueTies++;
        }
        if (e.chosen() == 1) {
          double ed = scores[(int) (b * k)];
          add(edited, ed > c ? 1 : 0, ed - c);
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pairs", (long) all[0]);
    out.put("accuracy", all[0] == 0 ? Double.NaN : all[1] / all[0]);
    out.put("se", all[0] == 0 ? Double.NaN : se(all[1] / all[0], all[0]));
    out.put("mean_margin", all[0] == 0 ? Double.NaN : all[2] / all[0]);
    Map<String, Object> ratings = new LinkedHashMap<>();
    byRating.forEach((key, v) -> {
      if (v[0] > 0) {
        ratings.put(key, bucket(v));
      }
    });
    out.put("by_rating", ratings);
    Map<String, Object> domains = new LinkedHashMap<>();
    byDomain.forEach((key, v) -> domains.put(key, bucket(v)));
    out.put("by_domain", domains);
    if (!byTask.isEmpty()) {
      Map<String, Object> tasks = new LinkedHashMap<>();
      byTask.forEach((key, v) -> tasks.put(key, bucket(v)));
      out.put("by_task", tasks);
    }
    if (truth[0] > 0 || trueTies > 0) {
      // labels carry the annotator's noise; a selector is only as good as its order of the true rewards
      Map<String, Object> t = truth[0] > 0 ? bucket(truth) : new LinkedHashMap<>();
      t.put("true_ties", trueTies);
      out.put("true_order", t);
    }
    if (edited[0] > 0) {
      out.put("edited_over_chosen", bucket(edited));
    }
    return out;
  }

  /** Key of the offset the reward-model reward subtracts from the raw scores. */
  static final String SCORE_OFFSET = "score_offset";

  /** Pairs whose responses set the offset (an even spread over the training pairs; enough for a stable mean). */
  static final int OFFSET_PAIRS = 1024;

  /** The mean raw score over the responses of (an even spread of at most {@link #OFFSET_PAIRS}) training pairs. */
  static double meanScore(LanguageModel model, List<Preferences.Encoded> train, Options o) {
    int stride = Math.max(1, train.size() / OFFSET_PAIRS);
    List<Preferences.Encoded> sample = new ArrayList<>();
    for (int i = 0; i < train.size() && sample.size() < OFFSET_PAIRS; i += stride) {
      sample.add(train.get(i));
    }
    double sum = 0;
    long n = 0;
    int bs = Math.max(1, o.loop().batchSize());
    for (int from = 0; from < sample.size(); from += bs) {
      List<Preferences.Encoded> batch = sample.subList(from, Math.min(sample.size(), from + bs));
      try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        for (double v : Tensors.toDoubles(RewardScoring.score(model, batch, o.layout(), false).batch().scores())) {
          sum += v;
          n++;
        }
      }
    }
    return n == 0 ? 0.0 : sum / n;
  }

  /** Standard error of an accuracy p measured on n pairs (binomial). */
  private static double se(double p, double n) {
    return Math.sqrt(p * (1 - p) / n);
  }

  /** Report key: whether held-out accuracy beats chance (read back by the stages that select with the model). */
  static final String BEATS_CHANCE = "beats_chance";

  /** One-sided binomial test against 0.5 by the normal approximation: accuracy more than 2 null s.e. above it. */
  static final double CHANCE_Z = 2.0;

  /**
   * {@code beats_chance} and {@code chance_z} = (accuracy - 0.5) / sqrt(0.25 / n) for a held-out evaluation
   * ({@link #evaluate}); no held-out pairs (null) never beats chance, since nothing shows that it does.
   */
  static Map<String, Object> chanceTest(Map<String, Object> heldOut) {
    long n = heldOut == null ? 0 : ((Number) heldOut.get("pairs")).longValue();
    double z = n == 0 ? 0.0 : (((Number) heldOut.get("accuracy")).doubleValue() - 0.5) / Math.sqrt(0.25 / n);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(BEATS_CHANCE, z > CHANCE_Z);
    out.put("chance_z", z);
    return out;
  }

  /**
   * The evaluation report that the stage wrote beside a reward model checkpoint, or null when there is none (a
   * checkpoint trained elsewhere).
   */
  static Map<String, Object> heldOutReport(Path modelDir) throws java.io.IOException {
    Path f = modelDir.resolve(EVAL_FILE);
    return java.nio.file.Files.isRegularFile(f) ? StageFiles.readJson(f) : null;
  }

  static final String EVAL_FILE = "reward_model_eval.json";

  /**
   * Llama 2's mixing: the training pairs of {@code domains}, plus for each other domain d a uniform sample of its
   * pairs making fraction mix[d] of the result (capped by what there is); counts per domain into {@code counts}.
   */
  static List<Preferences.Pair> mix(List<Preferences.Pair> pairs, List<String> domains, Map<String, Double> mix,
      long seed, Map<String, Long> counts) {
    List<Preferences.Pair> out = new ArrayList<>();
    Map<String, List<Preferences.Pair>> others = new java.util.TreeMap<>();
    for (Preferences.Pair p : pairs) {
      if (domains.contains(p.domain())) {
        out.add(p);
      } else if (p.domain() != null && mix.containsKey(p.domain())) {
        others.computeIfAbsent(p.domain(), d -> new ArrayList<>()).add(p);
      }
    }
    int primary = out.size();
    double rest = 1 - mix.values().stream().mapToDouble(Double::doubleValue).sum();
    for (var e : others.entrySet()) {
      long want = Math.round(primary * mix.get(e.getKey()) / rest);
      List<Preferences.Pair> pool = new ArrayList<>(e.getValue());
      java.util.Collections.shuffle(pool, new java.util.Random(seed ^ e.getKey().hashCode()));
      List<Preferences.Pair> taken = pool.subList(0, (int) Math.min(want, pool.size()));
      out.addAll(taken);
      counts.put(e.getKey(), (long) taken.size());
    }
    counts.put("primary", (long) primary);
    // keep the dataset's order: batches mix the domains as the rows did
    out.sort(java.util.Comparator.comparingLong(Preferences.Pair::row));
    return out;
  }

  private static void add(double[] acc, double right, double margin) {
    acc[0]++;
    acc[1] += right;
    acc[2] += margin;
  }

  private static Map<String, Object> bucket(double[] v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pairs", (long) v[0]);
    m.put("accuracy", v[1] / v[0]);
    m.put("se", se(v[1] / v[0], v[0]));
    m.put("mean_margin", v[2] / v[0]);
    return m;
  }
}
