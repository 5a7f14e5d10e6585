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
import org.align4j.api.loss.PreferenceBatch;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.PreferenceLossProvider;
import org.align4j.api.loss.SequenceLogProbs;
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
import org.bytedeco.pytorch.Tensor;

/**
 * Direct preference optimisation as Llama 3 runs it (section 4.1.4): the policy starts from the SFT checkpoint, a
 * frozen copy is the reference, the loss ({@code dpo} with beta 0.1 and an NLL term of weight 0.2 on the chosen
 * response, or {@code ipo}, or a third party's) compares sequence log-probabilities summed over the chat format's
 * loss mask, {@code mask: assistant_content} leaving header and termination tokens out of both sides. Reference
 * log-probabilities are computed once per dataset and cached in the work directory ({@code reference: cached}), or
 * by the reference model at every step ({@code on_the_fly}); both give bitwise the same numbers.
 */
@ProviderInfo(id = "dpo",
    description = "DPO/IPO against a frozen reference (cached or on the fly), Llama 3 masking and NLL term")
@StagePort(input = "reference", description = "frozen reference checkpoint (default: the model input)",
    required = false)
@StagePort(output = "model", description = "the trained policy checkpoint (tokenizer files beside it)")
@StagePort(output = "eval", description = "evaluation JSON: implicit-reward accuracy and margins before and after")
public final class DpoStage implements Stage<DpoStage.Options> {

  public record Options(
      @Doc("the preference loss: {uses: dpo, beta: 0.1, nll_weight: 0.2} (Llama 3), {uses: ipo, ...}, or a plugin's")
          @ComponentKind(PreferenceLossProvider.class) @Default("{uses: dpo, beta: 0.1, nll_weight: 0.2}")
          ComponentRef loss,
      @Doc("reference log-probs: cached (computed once per dataset, kept in the work dir) or on_the_fly")
          @Default("cached") String reference,
      @Doc("which response tokens count: assistant_content (Llama 3: no header/termination tokens) or assistant")
          @Default("assistant_content") MaskPolicy mask,
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("keep only these ratings (Llama 3: significantly_better and better; empty: all)")
          @Default("[significantly_better, better]") List<String> ratings,
      @Doc("keep only these domains (empty: all)") @Default("[]") List<String> domains,
      @Doc("use the annotator-edited response as chosen where a row has one") @Default("false") boolean preferEdited,
      @Doc("max_len, eval_fraction, limit (rows)") @Flat PreferenceTraining.PairOptions pairs,
      @Doc("AdamW and its schedule (Llama 3: lr 1e-5, cosine); keys not given keep these defaults")
          @Default("{lr: 1.0e-5, schedule: cosine, warmup_ratio: 0.03, warmup_steps: 0, min_lr_ratio: 0.1,"
              + " weight_decay: 0.1, grad_clip: 1.0}") OptimizerOptions optimizer,
      @Doc("batch_size (preference pairs), accumulation, epochs (over the pairs), steps, checkpoint_every, log_every")
          @Default("{batch_size: 4}") @Flat TrainingLoopOptions loop) {
    public Options {
      if (loss == null) {
        throw new IllegalArgumentException("loss is required, e.g. {uses: dpo, beta: 0.1}");
      }
      if (!"cached".equals(reference) && !"on_the_fly".equals(reference)) {
        throw new IllegalArgumentException("reference must be cached or on_the_fly, got '" + reference + "'");
      }
      if (mask == MaskPolicy.ALL) {
        throw new IllegalArgumentException("mask must be assistant_content, assistant or last_assistant: with all,"
            + " prompt tokens would count");
      }
      ratings = ratings == null ? List.of() : List.copyOf(ratings);
      domains = domains == null ? List.of() : List.copyOf(domains);
      Preferences.ratings(ratings);
    }
  }

  @Inject EngineServices engine;

  @Override
  public List<Port> inputs() {
    return PreferenceTraining.inputs("policy checkpoint to start from (the SFT model)", Stage.super.inputs());
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    PreferenceLoss loss = PreferenceLossProvider.resolve(ctx.components(), o.loss());
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    Path modelDir = chat.modelDir();
    Path refDir = ctx.optionalInput("reference").orElse(modelDir);
    Tokenizer tok = chat.tokenizer();
    ChatFormat format = chat.format();

    var filter = new Preferences.Filter(Preferences.ratings(o.ratings()), Set.copyOf(o.domains()), o.preferEdited(),
        false, o.pairs().limit());
    // only the pair DPO compares: [edited or chosen, rejected]
    PreferenceTraining.Data data = PreferenceTraining.load(ctx, id(), engine.store(), filter, o.pairs(),
        p -> Preferences.encode(new Preferences.Pair(p.row(), p.prompt(), List.of(p.responses().get(0), p.rejected()),
            0, p.rating(), p.domain()), format, tok, o.mask()), Preferences.Encoded::longest);
    List<Preferences.Encoded> train = data.train();
    List<Preferences.Encoded> eval = data.eval();
    Map<String, Long> dropped = data.dropped();
    List<Preferences.Encoded> all = new ArrayList<>(train);
    all.addAll(eval);

    boolean needsRef = loss.needsReference();
    boolean onTheFly = needsRef && o.reference().equals("on_the_fly");
    double[][] refs = null;
    if (needsRef && !onTheFly) {
      try (Progress p = ctx.progress("dpo reference log-probs", all.size(), "pairs")) {
        LanguageModel[] holder = new LanguageModel[1];
        refs = ReferenceCache.getOrCompute(engine.store(), ctx.workDir(), refDir, all, () -> {
          holder[0] = engine.models().load(refDir, Models.LoadOptions.frozen());
          return holder[0];
        }, e -> SequenceScoring.pair(holder[0], e), p);
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("train_pairs", train.size());
    report.put("eval_pairs", eval.size());
    report.put("loss", o.loss().uses());
    report.put("reference", needsRef ? o.reference() : "none");
    report.put("mask", o.mask().name().toLowerCase());
    report.put("dropped", dropped);
    try (LanguageModel policy = engine.models().load(modelDir);
        LanguageModel ref = onTheFly ? engine.models().load(refDir, Models.LoadOptions.frozen()) : null) {
      double[][] cachedRefs = refs;
      java.util.function.IntFunction<double[]> refOf = i -> onTheFly ? SequenceScoring.pair(ref, all.get(i))
          : cachedRefs[i];
      if (!eval.isEmpty()) {
        report.put("before", evaluate(policy, eval, train.size(), refOf, needsRef, o.loop().batchSize()));
      }
      TrainerOptions topts = o.loop().trainerOptions(o.optimizer(), ctx.seed());
      Trainer.StepFunction step = s -> {
        int n = s.indices().length;
        List<Preferences.Encoded> batch = new ArrayList<>(n);
        double[] refValues = new double[2 * n];
        long tokens = 0;
        for (int b = 0; b < n; b++) {
          int i = s.indices()[b];
          Preferences.Encoded e = train.get(i);
          batch.add(e);
          tokens += e.sequence(SequenceScoring.chosen(e)).length + e.sequence(SequenceScoring.rejected(e)).length;
          if (needsRef) {
            double[] r = refOf.apply(i);
            refValues[b] = r[0];
            refValues[n + b] = r[1];
          }
        }
        SequenceLogProbs lp = SequenceScoring.logProbs(policy, batch);
        Tensor refT = needsRef ? Tensors.like(lp.sum(), refValues, 2L * n) : null;
        LossResult r = loss.compute(PreferenceBatch.concatenated(lp, refT));
        var diag = new LinkedHashMap<>(r.diagnostics());
        diag.put("tokens", (double) tokens);
        return new LossResult(r.loss(), diag);
      };
      Map<String, Tensor> params = new LinkedHashMap<>(policy.parameters());
      params.remove("score.weight");
      Trainer.TrainResult result =
          PreferenceTraining.train(ctx, id(), engine.trainer(), params, train.size(), step, topts);
      report.put("steps", result.steps());
      report.put("resumed_from", result.resumedFrom());
      report.put("losses", result.losses());
      if (!eval.isEmpty()) {
        Map<String, Object> after = evaluate(policy, eval, train.size(), refOf, needsRef, o.loop().batchSize());
        report.put("after", after);
        for (var e : after.entrySet()) {
          if (e.getValue() instanceof Number v) {
            ctx.metrics().scalar("eval/" + e.getKey(), v.doubleValue(), result.steps());
          }
        }
      }
      Path out = ctx.output("model");
      engine.models().save(policy, out);
      ChatInputs.copyTokenizer(chat.tokenizerPath(), out);
    }
    StageFiles.writeJson(ctx, ctx.output("eval"), report);
  }

  /** The evaluation of the policy on held-out pairs ({@link #summarize}). */
  static Map<String, Object> evaluate(LanguageModel policy, List<Preferences.Encoded> eval, int offset,
      java.util.function.IntFunction<double[]> refOf, boolean needsRef, int batchSize) {
    double[][] pol = SequenceScoring.pairs(policy, eval, batchSize);
    double[][] ref = null;
    if (needsRef) {
      ref = new double[eval.size()][];
      for (int i = 0; i < eval.size(); i++) {
        ref[i] = refOf.apply(offset + i);
      }
    }
    return summarize(pol, ref);
  }

  /**
   * For every preference loss: the policy's chosen-minus-rejected log-prob margin, summed over response tokens
   * and per token (length-normalised, the implicit reward of reference-free losses such as SimPO), each with
   * its preference accuracy (how often chosen scores above rejected). With a reference, also DPO's implicit
   * reward {@code (pi_c - ref_c) - (pi_r - ref_r)} (without beta), summed and per token, with its accuracy.
   *
   * @param pol per pair {chosen log-prob sum, rejected sum, chosen tokens, rejected tokens}
   * @param ref per pair {chosen reference log-prob sum, rejected sum}, or null for a reference-free loss
   */
  static Map<String, Object> summarize(double[][] pol, double[][] ref) {
    int n = pol.length;
    double logpMargin = 0;
    double logpRight = 0;
    double tokenMargin = 0;
    double tokenRight = 0;
    double chosen = 0;
    double rejected = 0;
    double chosenPerToken = 0;
    double rejectedPerToken = 0;
    double reward = 0;
    double rewardRight = 0;
    double rewardPerToken = 0;
    double rewardPerTokenRight = 0;
    for (int i = 0; i < n; i++) {
      double[] p = pol[i];
      double ct = Math.max(1, p[2]);
      double rt = Math.max(1, p[3]);
      logpMargin += p[0] - p[1];
      logpRight += p[0] > p[1] ? 1 : 0;
      double tm = p[0] / ct - p[1] / rt;
      tokenMargin += tm;
      tokenRight += tm > 0 ? 1 : 0;
      chosen += p[0];
      rejected += p[1];
      chosenPerToken += p[0] / ct;
      rejectedPerToken += p[1] / rt;
      if (ref != null) {
        double[] r = ref[i];
        double m = (p[0] - r[0]) - (p[1] - r[1]);
        reward += m;
        rewardRight += m > 0 ? 1 : 0;
        double mt = (p[0] - r[0]) / ct - (p[1] - r[1]) / rt;
        rewardPerToken += mt;
        rewardPerTokenRight += mt > 0 ? 1 : 0;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pairs", n);
    out.put("logp_margin", logpMargin / n);
    out.put("logp_accuracy", logpRight / n);
    out.put("logp_per_token_margin", tokenMargin / n);
    out.put("logp_per_token_accuracy", tokenRight / n);
    out.put("chosen_logp", chosen / n);
    out.put("rejected_logp", rejected / n);
    out.put("chosen_logp_per_token", chosenPerToken / n);
    out.put("rejected_logp_per_token", rejectedPerToken / n);
    if (ref != null) {
      out.put("reward_margin", reward / n);
      out.put("reward_accuracy", rewardRight / n);
      out.put("reward_per_token_margin", rewardPerToken / n);
      out.put("reward_per_token_accuracy", rewardPerTokenRight / n);
    }
    return out;
  }
}
