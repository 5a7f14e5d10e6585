package org.align4j.plugins.rlhf;

import org.align4j.api.data.Schemas;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.PolicyLossProvider;
import org.align4j.api.metrics.Progress;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.reward.ShardedScoring;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.stage.Ports;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ppo}: Llama 2's RLHF by proximal policy optimisation (section 3.2.3, RLHF V5). Each iteration samples a
 * batch of prompts, generates one response per prompt with the KV-cache generator (keeping per-token log-probs),
 * scores the finished responses with the {@code reward} component ({@code llama2-piecewise}, {@code reward-model},
 * a program, a plugin's), whitens the scores over the iteration's whole batch, computes reference log-probs and
 * values by one forward pass each, and hands the {@link org.align4j.api.loss.Rollout} to the {@code loss} component
 * ({@code ppo}: KL-shaped token rewards, GAE, clipped surrogate and value loss; a GRPO/RLOO plugin reuses the same
 * rollouts). Then {@code ppo_epochs} passes over shuffled mini-batches, one AdamW step per mini-batch for the policy
 * and one for the value model.
 *
 * <p>Responses that hit {@code max_new_tokens} without a stop token are never scored as if complete: {@code
 * truncation: penalty} (default, as TRL's missing-EOS penalty) subtracts {@code truncation_penalty} from their
 * whitened score; {@code truncation: bootstrap} treats them as cut episodes whose last value is bootstrapped from the
 * critic.
 *
 * <p>The value model starts from the {@code value_model} input, else from the reward model's checkpoint that the
 * reward names (the helpfulness one for {@code llama2-piecewise}: Llama 2 initialised its value model from the RM),
 * else from the policy with a fresh scalar head. Checkpoints every {@code checkpoint_every} iterations hold the
 * policy, the value model, both optimisers and the metrics so far; generation seeds and mini-batch orders derive
 * from (seed, iteration), so a run killed and resumed ends with bitwise the same weights on the CPU.
 *
 * <p>Under data parallel the ranks share each iteration's generation batches (every row keeps its one-process random
 * stream) and gather the rollouts in order, then each computes its shard of every mini-batch and the optimisers
 * average the gradients: N ranks take one process's steps. Reward scoring (rollouts and held-out) is split across the
 * ranks too ({@link ShardedScoring}), and so are the rollout's no-gradient forward passes (mini-batch chunks).
 */
@ProviderInfo(id = "ppo",
    description = "PPO (Llama 2 RLHF V5): rollouts, KL-shaped rewards, GAE, clipped surrogate, value model; resumable")
@StagePort(input = "reference", description = "the frozen reference policy of the KL penalty (default: the starting"
    + " policy)", required = false)
@StagePort(input = "value_model", description = "value model checkpoint (default: the reward's reward model, else"
    + " the policy with a fresh scalar head)", required = false)
@StagePort(input = "eval_prompts", description = "held-out prompts for evaluation and early stopping",
    required = false)
@StagePort(output = "model", description = "the trained policy (Hugging Face layout)")
@StagePort(output = "report", description = "JSON: per-iteration metrics, evaluations and a summary")
public final class PpoStage implements Stage<PpoStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(PpoStage.class);

  public record Options(
      @Doc("the reward maximised: {uses: llama2-piecewise, safety: ..., helpfulness: ...}, {uses: reward-model,"
          + " model: ...}, {uses: task-suite}, or a plugin's") @ComponentKind(RewardProvider.class) ComponentRef reward,
      @Doc("the policy loss: {uses: ppo, clip: 0.2, kl_coef: 0.01, ...} or a plugin's (GRPO, RLOO)")
          @ComponentKind(PolicyLossProvider.class) @Default("{uses: ppo}") ComponentRef loss,
      @Doc("a program reward reported each iteration and at evaluation, never trained on (e.g. {uses: task-suite})")
          @ComponentKind(RewardProvider.class) ComponentRef trueReward,
      @Doc("PPO iterations (Llama 2: 200-400)") @Default("100") int iterations,
      @Doc("prompts per iteration (Llama 2: 512)") @Default("64") int batchSize,
      @Doc("the rollouts' samples_per_prompt (Llama 2: 1; rows of one prompt form a group, Rollout.groups, for"
          + " group-relative losses and score_baseline), temperature (> 0: the ratio and KL use the same tempered"
          + " distribution), top_p, max_new_tokens") @Default("{samples_per_prompt: 1}") @Flat SamplingOptions sampling,
      @Doc("subtracted from each score before whitening: none (Llama 2) or leave_one_out (the mean score of the"
          + " prompt's other samples; needs samples_per_prompt >= 2)") @Default("none") String scoreBaseline,
      @Doc("responses per optimiser step (Llama 2: 64)") @Default("16") int miniBatchSize,
      @Doc("passes over each iteration's batch (Llama 2: one gradient step per mini-batch)") @Default("1")
          int ppoEpochs,
      @Doc("the policy's AdamW and schedule, the value model's too but for value_lr (Llama 2: constant lr 1e-6,"
          + " betas 0.9/0.95, eps 1e-5, weight decay 0.1, grad clip 1.0 for each model); keys not given keep these"
          + " defaults")
          @Default("{lr: 1.0e-6, schedule: constant, warmup_ratio: 0.0, warmup_steps: 0, min_lr_ratio: 0.0,"
              + " betas: [0.9, 0.95], eps: 1.0e-5, weight_decay: 0.1, grad_clip: 1.0}") OptimizerOptions optimizer,
      @Doc("value model learning rate (default: optimizer.lr)") Double valueLr,
      @Doc("prompts longer than this many tokens are skipped and counted") @Default("1024") int maxPromptLen,
      @Doc("sequences per generator forward batch") @Default("16") int generationBatch,
      @Doc("whiten the scores over each iteration's whole batch (Llama 2: whiten(logit(R)))") @Default("true")
          boolean whitenScores,
      @Doc("responses without a stop token: penalty (score - truncation_penalty) or bootstrap (cut episode, the"
          + " critic's value after the last token)") @Default("penalty") String truncation,
      @Doc("subtracted from the (whitened) score of a truncated response with truncation: penalty; >= 0")
          @Default("1.0") double truncationPenalty,
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("iterations between checkpoints (resume points); 0: none") @Default("10") int checkpointEvery,
      @Doc("iterations between held-out evaluations (needs the eval_prompts input; 0: off)") @Default("0")
          int evalEvery,
      @Doc("held-out prompts answered (greedy) per evaluation") @Default("64") int evalLimit,
      @Doc("stop after this many evaluations without a better held-out reward and output the best policy (0: off)")
          @Default("0") int earlyStoppingPatience,
      @Doc("use at most this many training prompts (0: all)") @Default("0") int limit) {
    public Options {
      if (reward == null) {
        throw new IllegalArgumentException("reward is required, e.g. {uses: reward-model, model: ${stages.rm.outputs.model}}");
      }
      if (loss == null) {
        loss = ComponentRef.of("ppo");
      }
      if (iterations < 1 || batchSize < 1 || miniBatchSize < 1 || ppoEpochs < 1) {
        throw new IllegalArgumentException("iterations, batch_size, mini_batch_size and ppo_epochs must be >= 1");
      }
      int samplesPerPrompt = sampling.samplesPerPrompt();
      if (samplesPerPrompt < 1) {
        throw new IllegalArgumentException("samples_per_prompt must be >= 1, got " + samplesPerPrompt);
      }
      if (miniBatchSize > batchSize * samplesPerPrompt) {
        throw new IllegalArgumentException("mini_batch_size (" + miniBatchSize + ") must be <= batch_size x"
            + " samples_per_prompt (" + batchSize * samplesPerPrompt + ")");
      }
      if (!"none".equals(scoreBaseline) && !"leave_one_out".equals(scoreBaseline)) {
        throw new IllegalArgumentException("score_baseline must be none or leave_one_out, got '" + scoreBaseline + "'");
      }
      if ("leave_one_out".equals(scoreBaseline) && samplesPerPrompt < 2) {
        throw new IllegalArgumentException("score_baseline leave_one_out needs samples_per_prompt >= 2");
      }
      if (valueLr != null && (!(valueLr > 0) || valueLr.isInfinite())) {
        throw new IllegalArgumentException("value_lr must be a finite number > 0, got " + valueLr);
      }
      if (!(sampling.temperature() > 0)) {
        throw new IllegalArgumentException("temperature must be > 0 (PPO samples; greedy rollouts have no ratio to"
            + " optimise), got " + sampling.temperature());
      }
      if (maxPromptLen < 1 || generationBatch < 1) {
        throw new IllegalArgumentException("max_prompt_len and generation_batch must be >= 1");
      }
      if (!"penalty".equals(truncation) && !"bootstrap".equals(truncation)) {
        throw new IllegalArgumentException("truncation must be penalty or bootstrap, got '" + truncation + "'");
      }
      if (!(truncationPenalty >= 0) || Double.isInfinite(truncationPenalty)) {
        throw new IllegalArgumentException("truncation_penalty must be a finite number >= 0, got " + truncationPenalty);
      }
      if (checkpointEvery < 0 || evalEvery < 0 || evalLimit < 1 || earlyStoppingPatience < 0 || limit < 0) {
        throw new IllegalArgumentException("checkpoint_every, eval_every, early_stopping_patience and limit must be"
            + " >= 0 and eval_limit >= 1");
      }
      if (earlyStoppingPatience > 0 && evalEvery == 0) {
        throw new IllegalArgumentException("early_stopping_patience needs eval_every > 0 (and the eval_prompts input)");
      }
    }

    /** The value model's optimiser: the policy's with {@code value_lr}. */
    OptimizerOptions valueOptimizer() {
      return valueLr == null ? optimizer : optimizer.withLr(valueLr);
    }
  }

  @Inject EngineServices engine;
  @Inject Distributed dist;

  @Override
  public List<Port> inputs() {
    return Ports.promptInputs("the policy to start from (e.g. the last rejection-sampling model)",
        Stage.super.inputs());
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    Path policyDir = chat.modelDir();
    Path referenceDir = ctx.optionalInput("reference").orElse(policyDir);
    Tokenizer tok = chat.tokenizer();
    ChatFormat format = chat.format();
    PolicyLoss loss = PolicyLossProvider.resolve(engine.components(), o.loss());
    ModelConfig policyConfig = engine.models().readConfig(policyDir);
    Path valueDir = null;
    if (loss.usesValues()) {
      valueDir = ctx.optionalInput("value_model").orElseGet(() -> rewardCheckpoint(o.reward()));
      if (valueDir != null) {
        checkValueModel(valueDir, policyConfig);
      }
    }
    checkReference(referenceDir, policyConfig);
    List<PpoRollouts.Prompt> prompts = PpoRollouts.readPrompts(engine.store(), ctx.input("prompts"), o.limit(), format,
        tok, o.maxPromptLen());
    if (prompts.isEmpty()) {
      throw new Align4jException(ctx.input("prompts") + ": no prompt fits max_prompt_len " + o.maxPromptLen()
          + "; give conversations ending with a user turn, or raise max_prompt_len");
    }
    List<PpoRollouts.Prompt> evalPrompts = List.of();
    if (o.evalEvery() > 0) {
      Path ev = ctx.optionalInput("eval_prompts").orElseThrow(() -> new Align4jException("stage '" + ctx.stageId()
          + "': eval_every " + o.evalEvery() + " needs the eval_prompts input (held-out conversations)"));
      evalPrompts = PpoRollouts.readPrompts(engine.store(), ev, o.evalLimit(), format, tok, o.maxPromptLen());
    }
    Set<Integer> stops = ChatInputs.stopTokens(format, tok);

    Reward reward = createReward(o.reward());
    Reward truth = o.trueReward() == null ? null : createReward(o.trueReward());
    Path ckptRoot = ctx.workDir().resolve("checkpoints");
    PpoCheckpoints checkpoints = new PpoCheckpoints(ctx, ckptRoot, engine.models());
    Path resumeFrom = checkpoints.latest();
    long seed = ctx.seed();
    try (LanguageModel policy = engine.models().load(resumeFrom != null ? resumeFrom.resolve("policy") : policyDir);
        // loaded even when the loss has no KL term (beta 0): the KL to the reference is always measured
        LanguageModel reference = engine.models().load(referenceDir, Models.LoadOptions.frozen());
        LanguageModel value = !loss.usesValues() ? null
            : engine.models().load(
                resumeFrom != null ? resumeFrom.resolve("value") : valueDir != null ? valueDir : policyDir,
                Models.LoadOptions.withScoreHead(seed ^ 0x5EEDL));
        Trainer.Optimizer policyOpt = engine.trainer().optimizer(policy.parameters(), o.optimizer(), o.iterations());
        Trainer.Optimizer valueOpt = value == null ? null
            : engine.trainer().optimizer(value.parameters(), o.valueOptimizer(), o.iterations());
        Progress progress = ctx.progress("ppo", o.iterations(), "iterations")) {
      PpoCheckpoints.State state = new PpoCheckpoints.State();
      if (resumeFrom != null) {
        state = checkpoints.restore(resumeFrom, policyOpt, valueOpt);
        progress.advance(state.iterations);
        LOG.info("ppo: resumed after iteration {} from {}", state.iterations, resumeFrom);
      }
      PpoRollouts rollouts = new PpoRollouts(engine.generator(), tok, stops, o, dist);
      if (dist != null && dist.worldSize() > 1) {
        LOG.info("ppo: rank {} of {} generates every {}th batch of {} rollouts, runs every {}th chunk of the rollout's"
            + " no-gradient forward passes, scores every {}th piece of {} samples and computes its shard of every"
            + " mini-batch of {}", dist.rank(), dist.worldSize(), dist.worldSize(), o.generationBatch(), dist.worldSize(),
            dist.worldSize(), ShardedScoring.CHUNK, o.miniBatchSize());
      }
      Reward evalReward = truth != null ? truth : reward;
      if (o.evalEvery() > 0 && state.evals.isEmpty()) {
        evaluate(0, rollouts, policy, evalPrompts, evalReward, seed, state, checkpoints, o, ctx);
      }
      for (int it = (int) state.iterations; it < o.iterations(); it++) {
        Map<String, Double> m;
        try (PointerScope scope = new PointerScope()) {
          m = iteration(it, seed, prompts, rollouts, policy, reference, value, policyOpt, valueOpt, loss, reward,
              truth, o);
        }
        state.history.add(m);
        ctx.metrics().scalars(prefixed("ppo/", m), it + 1);
        progress.status(String.format("score %.3f kl %.4f", m.getOrDefault("score_raw", Double.NaN),
            m.getOrDefault("kl_per_token", Double.NaN)));
        progress.advance(1);
        boolean last = it + 1 == o.iterations();
        if (o.evalEvery() > 0 && ((it + 1) % o.evalEvery() == 0 || last)) {
          evaluate(it + 1, rollouts, policy, evalPrompts, evalReward, seed, state, checkpoints, o, ctx);
        }
        state.iterations = it + 1;
        boolean stop = o.earlyStoppingPatience() > 0 && state.evalsSinceBest >= o.earlyStoppingPatience();
        if (o.checkpointEvery() > 0 && ((it + 1) % o.checkpointEvery() == 0) && !last && !stop) {
          checkpoints.save(state, policy, value, policyOpt, valueOpt);
        }
        if (stop) {
          LOG.info("ppo: early stop after iteration {}: no better held-out reward in {} evaluations; the output is"
              + " the policy of iteration {}", it + 1, state.evalsSinceBest, state.bestIteration);
          state.stoppedEarly = true;
          break;
        }
      }
      Path out = ctx.output("model");
      if (o.earlyStoppingPatience() > 0 && checkpoints.best() != null) {
        checkpoints.copyBest(out);
      } else {
        engine.models().save(policy, out);
      }
      ChatInputs.copyTokenizer(chat.tokenizerPath(), out);
      StageFiles.writeJson(ctx, ctx.output("report"), report(state, o, prompts.size()));
    } finally {
      close(reward);
      close(truth);
    }
  }

  /** Held-out evaluation after {@code iteration} updates; keeps the best policy when early stopping is on. */
  private static void evaluate(int iteration, PpoRollouts rollouts, LanguageModel policy,
      List<PpoRollouts.Prompt> prompts, Reward reward, long seed, PpoCheckpoints.State state,
      PpoCheckpoints checkpoints, Options o, StageContext ctx) throws Exception {
    Map<String, Double> ev = rollouts.evaluate(policy, prompts, reward, seed);
    ev.put("iteration", (double) iteration);
    state.evals.add(ev);
    ctx.metrics().scalars(prefixed("ppo/eval_", ev), iteration);
    double score = ev.get("reward");
    if (state.evals.size() == 1 || score > state.bestEval) {
      state.bestEval = score;
      state.bestIteration = iteration;
      state.evalsSinceBest = 0;
      if (o.earlyStoppingPatience() > 0) {
        checkpoints.saveBest(policy);
      }
    } else {
      state.evalsSinceBest++;
    }
    LOG.info("ppo: after {} iterations: held-out reward {} +- {} (best {} after {})", iteration,
        String.format("%.4f", score), String.format("%.4f", ev.get("reward_se")), String.format("%.4f", state.bestEval),
        state.bestIteration);
  }

  /** One PPO iteration: rollouts, scoring, advantages, then the updates. Metrics of the iteration. */
  private Map<String, Double> iteration(int it, long seed, List<PpoRollouts.Prompt> prompts, PpoRollouts rollouts,
      LanguageModel policy, LanguageModel reference, LanguageModel value, Trainer.Optimizer policyOpt,
      Trainer.Optimizer valueOpt, PolicyLoss loss, Reward reward, Reward truth, Options o) throws Exception {
    long t0 = System.nanoTime();
    List<PpoRollouts.Prompt> batch = PpoRollouts.repeat(PpoRollouts.batch(prompts, it, o.batchSize(), seed),
        o.sampling().samplesPerPrompt());
    PpoRollouts.Batch b = rollouts.generate(policy, batch, PpoRollouts.mix(seed, it));
    long t1 = System.nanoTime();
    List<RewardResult> scores = ShardedScoring.scoreAll(dist, reward, b.messages(), b.responses(), b.metadata());
    double[] raw = new double[scores.size()];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = scores.get(i).score();
      if (!Double.isFinite(raw[i])) {
        throw new Align4jException("ppo: the reward returned " + raw[i] + " for prompt " + i + " of iteration " + (it + 1)
            + "; a reward must be finite");
      }
    }
    double[] used = "leave_one_out".equals(o.scoreBaseline())
        ? PpoRollouts.leaveOneOut(raw, o.sampling().samplesPerPrompt()) : raw.clone();
    used = o.whitenScores() ? PpoRollouts.whiten(used) : used;
    if ("penalty".equals(o.truncation())) {
      for (int i = 0; i < used.length; i++) {
        if (!b.stopped()[i]) {
          used[i] -= o.truncationPenalty();
        }
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    if (truth != null) {
      List<RewardResult> tr = ShardedScoring.scoreAll(dist, truth, b.messages(), b.responses(), b.metadata());
      m.put("true_reward", tr.stream().mapToDouble(RewardResult::score).average().orElse(Double.NaN));
    }
    long t2 = System.nanoTime();
    PpoRollouts.Scored s = rollouts.score(b, policy, reference, value, used);
    long t3 = System.nanoTime();
    Advantages adv = loss.advantages(s.rollout());
    m.put("score_raw", PpoRollouts.mean(raw));
    m.put("score_raw_std", PpoRollouts.std(raw));
    m.put("truncated", 1.0 - PpoRollouts.mean(b.stopped()));
    m.put("response_length", b.meanLength());
    m.putAll(tokenCounts(b));
    m.put("logprob_gen_vs_train_max_abs", s.generationMismatch());
    m.putAll(s.kl());
    for (var e : adv.diagnostics().entrySet()) {
      m.putIfAbsent(e.getKey(), e.getValue());
    }
    Map<String, Double> update = rollouts.update(s, adv, policy, value, policyOpt, valueOpt, loss,
        PpoRollouts.mix(seed, 1_000_003L + it));
    m.putAll(update);
    long t4 = System.nanoTime();
    double total = (t4 - t0) / 1e9;
    m.put("time_generate_s", (t1 - t0) / 1e9);
    m.put("time_reward_s", (t2 - t1) / 1e9);
    m.put("time_forward_s", (t3 - t2) / 1e9);
    m.put("time_update_s", (t4 - t3) / 1e9);
    m.put("generation_share", (t1 - t0) / 1e9 / total);
    m.put("lr", policyOpt.lr());
    m.put("rss_mb", residentMegabytes());
    return m;
  }

  /** Resident memory of this process (Linux {@code /proc/self/status}); NaN elsewhere. */
  static double residentMegabytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: no figure
    }
    return Double.NaN;
  }

  private static Map<String, Double> prefixed(String prefix, Map<String, Double> m) {
    Map<String, Double> out = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        out.put(prefix + k, v);
      }
    });
    return out;
  }

  /**
   * Tokens of an iteration's rollouts: prompt plus response tokens ({@code rollout_tokens}), the generated ones
   * ({@code response_tokens}) and the padded layout the forward passes and updates compute ({@code padded_tokens}).
   */
  private static Map<String, Double> tokenCounts(PpoRollouts.Batch b) {
    long real = 0;
    long generated = 0;
    long longest = 0;
    for (var g : b.generations()) {
      real += g.prompt().length + g.tokens().length;
      generated += g.tokens().length;
      longest = Math.max(longest, g.prompt().length + g.tokens().length);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("rollout_tokens", (double) real);
    m.put("response_tokens", (double) generated);
    m.put("padded_tokens", (double) longest * b.generations().size());
    return m;
  }

  private static Map<String, Object> report(PpoCheckpoints.State s, Options o, int prompts) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("iterations_run", s.iterations);
    r.put("iterations_planned", o.iterations());
    r.put("stopped_early", s.stoppedEarly);
    r.put("train_prompts", prompts);
    r.put("batch_size", o.batchSize());
    r.put("samples_per_prompt", o.sampling().samplesPerPrompt());
    r.put("ppo_epochs", o.ppoEpochs());
    r.put("loss", o.loss().uses());
    r.put("kl_coef", o.loss().options().get("kl_coef"));
    Map<String, Object> summary = new LinkedHashMap<>();
    for (String k : List.of("score_raw", "true_reward", "kl_per_token", "kl_per_sequence", "response_length",
        "truncated", "rss_mb")) {
      summary.put(k + "_first", at(s.history, 0, k));
      summary.put(k + "_last", at(s.history, s.history.size() - 1, k));
      summary.put(k + "_max", s.history.stream().map(h -> h.get(k)).filter(v -> v != null && Double.isFinite(v))
          .mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
    }
    summary.put("generation_share", s.history.stream().mapToDouble(h -> h.getOrDefault("generation_share", 0.0))
        .average().orElse(Double.NaN));
    r.put("summary", summary);
    if (!s.evals.isEmpty()) {
      r.put("best_eval_reward", s.bestEval);
      r.put("best_eval_iteration", s.bestIteration);
    }
    r.put("evals", s.evals);
    r.put("history", s.history);
    return r;
  }

  private static Object at(List<Map<String, Double>> h, int i, String k) {
    if (i < 0 || i >= h.size()) {
      return null;
    }
    Double v = h.get(i).get(k);
    return v == null || !Double.isFinite(v) ? null : v;
  }

  /** The checkpoint of the reward model a reward names ({@code reward-model}'s model; piecewise: helpfulness's). */
  static Path rewardCheckpoint(ComponentRef ref) {
    if (ref == null) {
      return null;
    }
    Object model = ref.options().get("model");
    if ("reward-model".equals(ref.uses()) && model != null && Files.isDirectory(Path.of(String.valueOf(model)))) {
      return Path.of(String.valueOf(model));
    }
    for (String nested : List.of("helpfulness", "safety")) {
      if (ref.options().get(nested) instanceof Map<?, ?> n && n.get("uses") != null) {
        Map<String, Object> rest = new LinkedHashMap<>();
        n.forEach((k, v) -> rest.put(String.valueOf(k), v));
        String uses = String.valueOf(rest.remove("uses"));
        Path p = rewardCheckpoint(new ComponentRef(uses, rest));
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private void checkValueModel(Path dir, ModelConfig policy) {
    ModelConfig v = engine.models().readConfig(dir);
    if (v.hiddenSize() != policy.hiddenSize() || v.vocabSize() != policy.vocabSize()) {
      throw new Align4jException(dir + ": the value model (hidden_size " + v.hiddenSize() + ", vocab_size "
          + v.vocabSize() + ") does not match the policy (hidden_size " + policy.hiddenSize() + ", vocab_size "
          + policy.vocabSize() + "); give a value_model trained from this policy (e.g. its reward model), or leave"
          + " the input out to start from the policy with a fresh scalar head");
    }
  }

  private void checkReference(Path dir, ModelConfig policy) {
    ModelConfig r = engine.models().readConfig(dir);
    if (r.vocabSize() != policy.vocabSize()) {
      throw new Align4jException(dir + ": the reference model's vocab_size " + r.vocabSize() + " differs from the"
          + " policy's " + policy.vocabSize() + "; the KL penalty compares the same tokens: give the starting policy");
    }
  }

  private Reward createReward(ComponentRef ref) throws Exception {
    return RewardProvider.resolve(engine.components(), ref);
  }

  private static void close(Object o) throws Exception {
    if (o instanceof AutoCloseable c) {
      c.close();
    }
  }

  /** Prompt order: a seeded permutation of all prompts per pass (the trainer's shuffle), the batch taken in turn. */
  static int[] permutation(int n, long seed, long pass) {
    return PpoRollouts.shuffled(n, PpoRollouts.mix(seed, pass));
  }
}
