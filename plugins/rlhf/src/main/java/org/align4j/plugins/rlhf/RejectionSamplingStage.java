package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.metrics.Progress;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.stage.Conversations;
import org.align4j.toolkit.stage.Ports;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejection-sampling fine-tuning data (Llama 2 section 3.2.3; Llama 3 section 4.2.2): for each prompt, K answers
 * sampled from the policy, scored by a reward ({@code reward-model}, {@code llama2-piecewise}, a task checker...),
 * the best kept as a new SFT conversation. The top samples of earlier rounds (the optional {@code previous} input)
 * are kept too, the better one per prompt winning (training on the last round alone made Llama 2 forget). Reports
 * the best-of-N curve: the paper's max-minus-median gain grows with N.
 */
@ProviderInfo(id = "rejection-sampling",
    description = "K samples per prompt from the policy, scored by a reward; the best kept as SFT conversations")
@StagePort(input = "previous", description = "kept conversations of earlier rounds (this stage's data output)",
    required = false)
@StagePort(output = "data",
    description = "best sample per prompt as conversations (+ reward, policy), merged with"
        + " earlier rounds")
@StagePort(output = "samples", description = "every sample (prompt, response, reward, sample_index, policy)")
@StagePort(output = "report", description = "JSON: mean/median/best reward, best-of-N curve, max-minus-median gain")
public final class RejectionSamplingStage implements Stage<RejectionSamplingStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(RejectionSamplingStage.class);
  static final String REWARD = Schemas.REWARD;

  /** The kept conversations: the conversations schema plus the best sample's reward and the policy that wrote it. */
  static final Schema KEPT = Schemas.extend(Schemas.CONVERSATIONS,
      List.of(Schemas.field(REWARD, Schemas.FLOAT32), Schemas.utf8(Schemas.POLICY)));

  public record Options(
      @Doc("scores each sample: {uses: reward-model, model: ...}, {uses: llama2-piecewise, ...}, {uses: task-suite}")
          @ComponentKind(RewardProvider.class) ComponentRef reward,
      @Doc("samples_per_prompt (K), temperature, top_p, max_new_tokens")
          @Default("{samples_per_prompt: 8}") @Flat SamplingOptions sampling,
      @Doc("prompts longer than this many tokens are skipped and counted") @Default("1024") int maxPromptLen,
      @Doc("prompts whose samples are generated and scored together") @Default("8") int promptsPerChunk,
      @Doc("sequences per generator forward batch") @Default("16") int generationBatch,
      @Doc("system prompt added to prompts that have none (Llama 3 steers tone and format this way)") String system,
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("keep a best sample only when its reward is at least this (unset: always)") Double minReward,
      @Doc("earlier rounds' kept rows: best (one per prompt, the higher reward wins) or all") @Default("best")
          String previous,
      @Doc("name of the policy written into the outputs (default: the stage id)") String policyName,
      @Doc("a program reward scored on every sample and never used to select (e.g. {uses: task-suite}): the report"
          + " gives its best-of-N curve (max and median of the first N samples) and its value for the pick")
          @ComponentKind(RewardProvider.class) ComponentRef trueReward,
      @Doc("use at most this many prompts (0: all)") @Default("0") int limit) {
    public Options {
      if (reward == null) {
        throw new IllegalArgumentException("reward is required, e.g. {uses: reward-model, model: ${stages.rm.outputs.model}}");
      }
      if (sampling.samplesPerPrompt() < 1) {
        throw new IllegalArgumentException("samples_per_prompt must be >= 1, got " + sampling.samplesPerPrompt());
      }
      if (maxPromptLen < 1 || promptsPerChunk < 1 || generationBatch < 1 || limit < 0) {
        throw new IllegalArgumentException("max_prompt_len, prompts_per_chunk and generation_batch must be >= 1 and"
            + " limit >= 0");
      }
      if (!"best".equals(previous) && !"all".equals(previous)) {
        throw new IllegalArgumentException("previous must be best or all, got '" + previous + "'");
      }
    }
  }

  @Inject EngineServices engine;
  @Inject Distributed dist;

  @Override
  public List<Port> inputs() {
    return Ports.promptInputs("the policy checkpoint to sample from", Stage.super.inputs());
  }

  /** One chunk's samples: the prompts of the chunk it used (the others were too long), K responses each, scored. */
  record Scored(int[] used, String[] responses, double[] scores, String[] labels, double[] truths)
      implements java.io.Serializable {}

  /** A prompt with the row fields a program reward needs. */
  record PromptRow(List<Message> messages, Map<String, String> metadata, String system, List<String> tags) {}

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    Tokenizer tok = chat.tokenizer();
    ChatFormat format = chat.format();
    String policy = o.policyName() != null ? o.policyName() : ctx.stageId();
    if (o.sampling().temperature() == 0 && o.sampling().samplesPerPrompt() > 1) {
      LOG.warn("rejection-sampling: temperature 0 is greedy: the {} samples of a prompt are identical",
          o.sampling().samplesPerPrompt());
    }
    List<Map<String, Object>> atChance = rewardModelsAtChance(o.reward());
    for (Map<String, Object> m : atChance) {
      LOG.warn("rejection-sampling {}: selects with reward model {} whose held-out accuracy does not beat chance"
          + " ({}): the kept samples are picked by noise", ctx.stageId(), m.get("model"), m);
    }
    Reward reward = createReward(o.reward());
    Reward truth = o.trueReward() == null ? null : createReward(o.trueReward());
    List<double[]> truthPerPrompt = new ArrayList<>();
    List<String> domainPerPrompt = new ArrayList<>();
    Map<String, Long> labelsAll = new java.util.TreeMap<>();
    Map<String, Long> labelsPicked = new java.util.TreeMap<>();
    List<PromptRow> prompts = readPrompts(ctx.input("prompts"), o);
    Set<Integer> stops = ChatInputs.stopTokens(format, tok);
    int k = o.sampling().samplesPerPrompt();
    List<double[]> rewardsPerPrompt = new ArrayList<>();
    Map<String, Map<String, Object>> kept = new LinkedHashMap<>();
    long skipped = 0;
    long belowMin = 0;
    Path samplesOut = ctx.output("samples");
    try (LanguageModel model = engine.models().load(chat.modelDir(), Models.LoadOptions.frozen());
        DatasetWriter samples = engine.store().create(samplesOut, Schemas.SAMPLES);
        Progress progress = ctx.progress("rejection-sampling", prompts.size(), "prompts")) {
      int perChunk = o.promptsPerChunk();
      int chunks = (prompts.size() + perChunk - 1) / perChunk;
      long[] counts = new long[2]; // skipped, below min_reward
      // chunks split across the ranks (each with its own seed, as in one process), consumed in order on every rank
      dist.<Scored>forEachChunk(chunks, c -> {
        int from = c * perChunk;
        List<PromptRow> chunk = prompts.subList(from, Math.min(prompts.size(), from + perChunk));
        List<int[]> ids = new ArrayList<>();
        List<Integer> used = new ArrayList<>();
        for (int i = 0; i < chunk.size(); i++) {
          int[] prompt = format.renderPrompt(chunk.get(i).messages(), tok);
          if (prompt.length > o.maxPromptLen()) {
            continue;
          }
          used.add(i);
          for (int j = 0; j < k; j++) {
            ids.add(prompt);
          }
        }
        Scored sc = new Scored(used.stream().mapToInt(Integer::intValue).toArray(), new String[ids.size()],
            new double[ids.size()], new String[ids.size()], truth == null ? null : new double[ids.size()]);
        if (!used.isEmpty()) {
          var sampling = o.sampling().sampling(0, stops, mix(ctx.seed(), from), o.generationBatch());
          List<Generator.Generation> gens = engine.generator().generate(model, ids, sampling);
          List<List<Message>> ps = new ArrayList<>();
          List<Map<String, String>> meta = new ArrayList<>();
          for (int i = 0; i < gens.size(); i++) {
            PromptRow p = chunk.get(used.get(i / k));
            ps.add(p.messages());
            sc.responses()[i] = decode(tok, gens.get(i), stops);
            meta.add(p.metadata());
          }
          List<String> responses = Arrays.asList(sc.responses());
          List<RewardResult> scores = reward.scoreAll(ps, responses, meta);
          List<RewardResult> truths = truth == null ? null : truth.scoreAll(ps, responses, meta);
          for (int i = 0; i < gens.size(); i++) {
            sc.scores()[i] = scores.get(i).score();
            sc.labels()[i] = String.valueOf(scores.get(i).label());
            if (truths != null) {
              sc.truths()[i] = truths.get(i).score();
            }
          }
        }
        progress.advance(chunk.size());
        return sc;
      }, (c, sc) -> {
        List<PromptRow> chunk = prompts.subList(c * perChunk, Math.min(prompts.size(), (c + 1) * perChunk));
        counts[0] += chunk.size() - sc.used().length;
        for (int u = 0; u < sc.used().length; u++) {
          PromptRow p = chunk.get(sc.used()[u]);
          double[] r = Arrays.copyOfRange(sc.scores(), u * k, (u + 1) * k);
          int best = 0;
          for (int j = 0; j < k; j++) {
            if (r[j] > r[best]) {
              best = j;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put(Schemas.PROMPT, p.messages());
            row.put(Schemas.RESPONSE, sc.responses()[u * k + j]);
            row.put(Schemas.REWARD, (float) r[j]);
            row.put(Schemas.SAMPLE_INDEX, j);
            row.put(Schemas.POLICY, policy);
            samples.write(row);
          }
          rewardsPerPrompt.add(r);
          for (int j = 0; j < k; j++) {
            labelsAll.merge(sc.labels()[u * k + j], 1L, Long::sum);
          }
          labelsPicked.merge(sc.labels()[u * k + best], 1L, Long::sum);
          if (sc.truths() != null) {
            truthPerPrompt.add(Arrays.copyOfRange(sc.truths(), u * k, (u + 1) * k));
          }
          domainPerPrompt.add(p.tags() == null || p.tags().isEmpty() ? "untagged" : p.tags().get(0));
          if (o.minReward() != null && r[best] < o.minReward()) {
            counts[1]++;
            continue;
          }
          List<Message> conv = new ArrayList<>(p.messages());
          conv.add(Message.assistant(sc.responses()[u * k + best]));
          kept.put(key(p.messages()), keptRow(conv, p, r[best], policy));
        }
      });
      skipped = counts[0];
      belowMin = counts[1];
      samples.commit();
    } finally {
      for (Reward r : java.util.Arrays.asList(reward, truth)) {
        if (r instanceof AutoCloseable c) {
          c.close();
        }
      }
    }
    long fromPrevious = 0;
    long replaced = 0;
    List<Map<String, Object>> out = new ArrayList<>();
    var previous = ctx.optionalInput("previous");
    if (previous.isPresent()) {
      try (RowStream rows = engine.store().rows(previous.get())) {
        long index = 0;
        while (rows.hasNext()) {
          Map<String, Object> row = rows.next();
          long at = index++;
          Object m = row.get(Schemas.MESSAGES);
          if (m == null) {
            throw new Align4jException(previous.get() + ": row " + at + ": no '" + Schemas.MESSAGES + "'; give the"
                + " data output of an earlier rejection-sampling stage");
          }
          List<Message> conv = Rows.messages(m);
          String key = key(promptOf(conv));
          Object rv = row.get(REWARD);
          Map<String, Object> prev = keptRow(conv, null, rv instanceof Number n ? n.doubleValue() : Double.NaN,
              row.get(Schemas.POLICY) == null ? null : String.valueOf(row.get(Schemas.POLICY)));
          prev.put(Schemas.SYSTEM, row.get(Schemas.SYSTEM));
          prev.put(Schemas.TAGS, row.get(Schemas.TAGS));
          Map<String, Object> now = kept.get(key);
          if (o.previous().equals("all") || now == null) {
            out.add(prev);
            fromPrevious++;
          } else {
            Object nr = now.get(REWARD);
            double prevReward = rv instanceof Number n ? n.doubleValue() : Double.NEGATIVE_INFINITY;
            if (prevReward > ((Number) nr).doubleValue()) {
              kept.remove(key);
              out.add(prev);
              fromPrevious++;
              replaced++;
            }
          }
        }
      }
    }
    out.addAll(kept.values());
    engine.store().write(ctx.output("data"), KEPT, out.iterator());
    Map<String, Object> report = report(rewardsPerPrompt, k);
    report.put("policy", policy);
    report.put("prompts", prompts.size());
    report.put("skipped_long_prompts", skipped);
    report.put("below_min_reward", belowMin);
    report.put("kept_new", kept.size());
    report.put("kept_from_previous", fromPrevious);
    report.put("previous_replaced_new", replaced);
    report.put("rows", out.size());
    report.put("reward_models_at_chance", atChance);
    // which part of a combined reward scored the samples (llama2-piecewise: safety or helpfulness)
    report.put("selector_labels", Map.of("all", labelsAll, "picked", labelsPicked));
    if (truth != null) {
      report.put("true_reward", truthReport(truthPerPrompt, rewardsPerPrompt, k));
      report.put("true_reward_by_domain", truthByDomain(truthPerPrompt, rewardsPerPrompt, domainPerPrompt, k));
    }
    StageFiles.writeJson(ctx, ctx.output("report"), report);
    for (var e : report.entrySet()) {
      if (e.getValue() instanceof Number v) {
        ctx.metrics().scalar("rs/" + e.getKey(), v.doubleValue(), 0);
      }
    }
    LOG.info("rejection-sampling: {} prompts x {} samples, mean best {} vs mean median {}", rewardsPerPrompt.size(), k,
        report.get("mean_best"), report.get("mean_median"));
    if (skipped > 0) {
      LOG.warn("rejection-sampling: skipped {} prompts longer than max_prompt_len {}", skipped, o.maxPromptLen());
    }
  }

  /**
   * The reward models inside a reward block (itself or nested, as in {@code llama2-piecewise}) whose held-out
   * accuracy, as the reward-model stage recorded it beside the checkpoint, does not beat chance: model directory,
   * accuracy, pairs and z for each. Checkpoints without that record are not judged.
   */
  static List<Map<String, Object>> rewardModelsAtChance(ComponentRef ref) throws java.io.IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    collectAtChance(ref.uses(), ref.options(), out);
    return out;
  }

  private static void collectAtChance(String uses, Map<?, ?> options, List<Map<String, Object>> out)
      throws java.io.IOException {
    if ("reward-model".equals(uses) && options.get("model") instanceof String dir && !dir.isBlank()) {
      Map<String, Object> eval = RewardModelStage.heldOutReport(Path.of(dir));
      if (eval != null && Boolean.FALSE.equals(eval.get(RewardModelStage.BEATS_CHANCE))) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", dir);
        Object after = eval.get("after");
        m.put("accuracy", after instanceof Map<?, ?> a ? a.get("accuracy") : null);
        m.put("pairs", eval.get("eval_pairs"));
        m.put("chance_z", eval.get("chance_z"));
        out.add(m);
      }
    }
    for (Object v : options.values()) {
      if (v instanceof ComponentRef c) {
        collectAtChance(c.uses(), c.options(), out);
      } else if (v instanceof Map<?, ?> m && m.get("uses") instanceof String u) {
        collectAtChance(u, m, out);
      }
    }
  }

  private Reward createReward(ComponentRef ref) throws Exception {
    return RewardProvider.resolve(engine.components(), ref);
  }

  private static Map<String, Object> keptRow(List<Message> conv, PromptRow p, double reward, String policy) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.MESSAGES, conv);
    row.put(Schemas.SYSTEM, p == null ? null : p.system());
    row.put(Schemas.TAGS, p == null ? null : p.tags());
    row.put(REWARD, Double.isNaN(reward) ? null : (float) reward);
    row.put(Schemas.POLICY, policy);
    return row;
  }

  /** Mean, median and best reward per prompt, and the best-of-n curve for n = 1, 2, 4, ..., K (first n samples). */
  static Map<String, Object> report(List<double[]> perPrompt, int k) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("samples_per_prompt", k);
    int n = perPrompt.size();
    if (n == 0) {
      return out;
    }
    double mean = 0;
    double median = 0;
    double best = 0;
    for (double[] r : perPrompt) {
      double[] s = r.clone();
      Arrays.sort(s);
      mean += Arrays.stream(r).average().orElse(0);
      median += s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      best += s[s.length - 1];
    }
    out.put("mean_reward", mean / n);
    out.put("mean_median", median / n);
    out.put("mean_best", best / n);
    out.put("max_minus_median", (best - median) / n);
    Map<String, Double> curve = new LinkedHashMap<>();
    for (int m = 1; ; m *= 2) {
      int upTo = Math.min(m, k);
      double sum = 0;
      for (double[] r : perPrompt) {
        double b = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < upTo; j++) {
          b = Math.max(b, r[j]);
        }
        sum += b;
      }
      curve.put(String.valueOf(upTo), sum / n);
      if (upTo == k) {
        break;
      }
    }
    out.put("best_of_n", curve);
    return out;
  }

  /**
   * The selection judged by a program reward: for N = 1, 2, 4, ..., K over the first N samples of each prompt, the
   * mean over prompts of the max and of the median true reward (the paper's best-of-N finding: max - median grows
   * with N), and of the true reward of the sample the selecting reward picks (how much of that headroom the selector
   * takes; equal to the mean at N = 1). Ties in the selector go to the earlier sample, as in the selection itself.
   */
  static Map<String, Object> truthReport(List<double[]> truth, List<double[]> selector, int k) {
    Map<String, Object> out = new LinkedHashMap<>();
    int n = truth.size();
    out.put("prompts", n);
    if (n == 0) {
      return out;
    }
    Map<String, Double> max = new LinkedHashMap<>();
    Map<String, Double> median = new LinkedHashMap<>();
    Map<String, Double> picked = new LinkedHashMap<>();
    for (int m = 1; ; m *= 2) {
      int upTo = Math.min(m, k);
      double sMax = 0;
      double sMedian = 0;
      double sPicked = 0;
      for (int p = 0; p < n; p++) {
        double[] t = Arrays.copyOf(truth.get(p), upTo);
        double[] r = selector.get(p);
        int best = 0;
        for (int j = 1; j < upTo; j++) {
          if (r[j] > r[best]) {
            best = j;
          }
        }
        sPicked += t[best];
        Arrays.sort(t);
        sMax += t[upTo - 1];
        sMedian += upTo % 2 == 1 ? t[upTo / 2] : (t[upTo / 2 - 1] + t[upTo / 2]) / 2;
      }
      String key = String.valueOf(upTo);
      max.put(key, sMax / n);
      median.put(key, sMedian / n);
      picked.put(key, sPicked / n);
      if (upTo == k) {
        break;
      }
    }
    String all = String.valueOf(k);
    double mean = truth.stream().mapToDouble(t -> Arrays.stream(t).average().orElse(0)).sum() / n; // a random pick
    out.put("mean", mean);
    out.put("picked", picked.get(all));
    out.put("picked_minus_mean", picked.get(all) - mean);
    out.put("max", max.get(all));
    // the share of the best-of-K headroom over a random pick that the selector realises (1: an oracle, 0: chance)
    double headroom = max.get(all) - mean;
    out.put("headroom_taken", headroom > 1e-12 ? (picked.get(all) - mean) / headroom : Double.NaN);
    out.put("best_of_n_max", max);
    out.put("best_of_n_median", median);
    out.put("best_of_n_picked", picked);
    return out;
  }

  /**
   * {@link #truthReport} per domain (a prompt's first tag): where the selector finds the better samples and where it
   * picks no better than chance (a reward model that cannot judge arithmetic shows here).
   */
  static Map<String, Object> truthByDomain(List<double[]> truth, List<double[]> selector, List<String> domains, int k) {
    Map<String, List<Integer>> byDomain = new java.util.TreeMap<>();
    for (int i = 0; i < truth.size(); i++) {
      byDomain.computeIfAbsent(domains.get(i), d -> new ArrayList<>()).add(i);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    byDomain.forEach((d, rows) ->
        out.put(d, truthReport(rows.stream().map(truth::get).toList(), rows.stream().map(selector::get).toList(), k)));
    return out;
  }

  private List<PromptRow> readPrompts(Path file, Options o) throws Exception {
    List<PromptRow> out = new ArrayList<>();
    try (RowStream rows = engine.store().rows(file)) {
      long index = 0;
      while (rows.hasNext() && (o.limit() <= 0 || out.size() < o.limit())) {
        Map<String, Object> row = rows.next();
        long at = index++;
        String system = row.get(Schemas.SYSTEM) instanceof String s && !s.isEmpty() ? s : o.system();
        List<Message> msgs = promptMessages(row, file, at, system);
        List<String> tags = null;
        if (row.get(Schemas.TAGS) instanceof List<?> l) {
          tags = l.stream().map(String::valueOf).toList();
        }
        out.add(new PromptRow(List.copyOf(msgs), PpoRollouts.metadata(row), system, tags));
      }
    }
    return out;
  }

  /**
   * A prompt row's conversation up to its last non-assistant turn ({@code messages}, else {@code prompt}), with
   * {@code system} put first when it has no system message; an error naming the file and row when there is no
   * conversation or no user turn to answer. Shared by the stages that sample from prompts.
   */
  static List<Message> promptMessages(Map<String, Object> row, Path file, long at, String system) {
    List<Message> msgs = Conversations.withSystem(promptOf(Conversations.of(row, file, at,
        "a conversation list<struct<role, content>> ending with a user turn")), system);
    if (msgs.isEmpty() || msgs.get(msgs.size() - 1).role().equals("system")) {
      throw new Align4jException(file + ": row " + at + ": the conversation has no user turn to answer");
    }
    return msgs;
  }

  /** The conversation up to its last non-assistant turn (a trailing assistant answer is dropped). */
  static List<Message> promptOf(List<Message> conv) {
    int end = conv.size();
    while (end > 0 && conv.get(end - 1).role().equals("assistant")) {
      end--;
    }
    return conv.subList(0, end);
  }

  /** Identifies a prompt across rounds: its roles and contents. */
  static String key(List<Message> prompt) {
    StringBuilder sb = new StringBuilder();
    for (Message m : prompt) {
      if (m.role().equals("system")) {
        continue; // rounds may steer with different system prompts; the user's request is the same prompt
      }
      sb.append(m.role()).append('\u0000').append(m.content().strip()).append('\u0001');
    }
    return sb.toString();
  }

  /** The generated text of a row, its stop token dropped. */
  static String decode(Tokenizer tok, Generator.Generation g, Set<Integer> stops) {
    int[] t = g.tokens();
    int n = t.length;
    if (g.stopped() && n > 0 && stops.contains(t[n - 1])) {
      n--;
    }
    return tok.decode(Arrays.copyOf(t, n)).strip();
  }

  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
