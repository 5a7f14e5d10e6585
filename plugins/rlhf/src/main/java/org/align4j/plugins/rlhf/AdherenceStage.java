package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.toolkit.stage.Ports;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rule adherence by turn number (Llama 2 Figure 28's measure): held-out dialogues under a system rule, the
 * instruction given once (first turn only), the model's answers generated turn after turn on its own earlier answers,
 * each checked against the rule by the task suite's checker. Writes the rate per turn 1..N with its s.e. (clustered
 * by dialogue when a dialogue is sampled more than once), for the {@code report} stage's "adherence by turn" chart.
 */
@ProviderInfo(id = "adherence",
    description = "rule adherence by turn number on held-out system-rule dialogues, instruction in the first turn")
@StagePort(input = "model", description = "the model to evaluate")
@StagePort(input = "dialogues", description = "held-out rule dialogues of at least `turns` user turns (the tasks"
    + " stage's gatt_eval output)")
@StagePort(input = "tokenizer", description = Ports.TOKENIZER_DESCRIPTION, required = false)
@StagePort(output = "adherence", description = "JSON: adherence rate and s.e. per turn, late turns, by rule")
@StagePort(output = "samples", description = "every generated turn (dialogue, sample_index, turn, response,"
    + " followed, prompt_tokens, policy)")
public final class AdherenceStage implements Stage<AdherenceStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(AdherenceStage.class);

  static final Schema SAMPLES = new Schema(List.of(Schemas.field("dialogue", Schemas.INT64),
      Schemas.field(Schemas.SAMPLE_INDEX, Schemas.INT32), Schemas.field("turn", Schemas.INT32),
      Schemas.utf8(GhostAttentionStage.RULE), Schemas.utf8(Schemas.RESPONSE), Schemas.field("followed", Schemas.BOOL),
      Schemas.field("prompt_tokens", Schemas.INT32), Schemas.utf8(Schemas.POLICY)));

  public record Options(
      @Doc("turns answered and checked per dialogue (N); every dialogue must have at least N user turns")
          @Default("8") int turns,
      @Doc("samples_per_prompt (answers per dialogue, clustered in the s.e.), temperature (0: greedy), top_p,"
          + " max_new_tokens per turn") @Default("{samples_per_prompt: 1, temperature: 0.0, max_new_tokens: 40}")
          @Flat SamplingOptions sampling,
      @Doc("where the instruction is given: system (the system message) or user (joined to the first user turn)")
          @Default("system") RuleDialogue.FirstTurn firstTurn,
      @Doc("how the instruction is joined to the first user turn when first_turn is user")
          @Default("'{instruction} {user}'") String instructionTemplate,
      @Doc("generation_batch, chat_format, policy_name, limit (dialogues)") @Flat TurnSampler.StageOptions run) {
    public Options {
      var bad = new ArrayList<String>();
      if (turns < 1 || turns > 64) {
        bad.add("turns must be in [1, 64], got " + turns);
      }
      if (sampling.samplesPerPrompt() < 1) {
        bad.add("samples_per_prompt must be >= 1, got " + sampling.samplesPerPrompt());
      }
      RuleDialogue.refuseBadOptions(firstTurn, instructionTemplate, bad);
    }
  }

  @Inject DatasetStore store;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    var run = TurnSampler.StageRun.open(ctx, o.sampling(), o.run(), o.turns());
    TurnSampler.Result sampled = run.sample(o.turns(),
        (d, a) -> d.firstTurnOnly(a, o.firstTurn(), o.instructionTemplate()));
    String policy = run.policy();
    List<RuleDialogue> dialogues = run.dialogues();
    List<RuleDialogue> samples = run.samples();
    int k = o.sampling().samplesPerPrompt();
    List<Adherence.Sample> checked = new ArrayList<>();
    long stoppedEarly = 0;
    long[] promptTokens = new long[o.turns()];
    long[] promptCount = new long[o.turns()];
    try (DatasetWriter out = store.create(ctx.output("samples"), SAMPLES)) {
      for (int i = 0; i < samples.size(); i++) {
        RuleDialogue d = samples.get(i);
        List<String> a = sampled.answers().get(i);
        boolean[] f = new boolean[a.size()];
        for (int t = 0; t < a.size(); t++) {
          f[t] = d.follows(a.get(t));
          int len = sampled.promptTokens().get(i).get(t);
          promptTokens[t] += len;
          promptCount[t]++;
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("dialogue", d.index());
          row.put(Schemas.SAMPLE_INDEX, i % k);
          row.put("turn", t + 1);
          row.put(GhostAttentionStage.RULE, d.rule());
          row.put(Schemas.RESPONSE, a.get(t));
          row.put("followed", f[t]);
          row.put("prompt_tokens", len);
          row.put(Schemas.POLICY, policy);
          out.write(row);
        }
        if (a.size() < o.turns()) {
          stoppedEarly++;
        }
        checked.add(new Adherence.Sample(i / k, d.rule(), f));
      }
      out.commit();
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("policy", policy);
    report.put("model", run.chat().modelDir().toString());
    report.put("turns", o.turns());
    report.put("dialogues", dialogues.size());
    report.put("samples_per_dialogue", k);
    report.put("temperature", o.sampling().temperature());
    report.put("instruction_in", o.firstTurn().name().toLowerCase(java.util.Locale.ROOT));
    report.put("stopped_early", stoppedEarly);
    report.put("max_prompt_tokens", maxPromptTokens(sampled));
    List<Double> meanPrompt = new ArrayList<>();
    for (int t = 0; t < o.turns(); t++) {
      meanPrompt.add(promptCount[t] == 0 ? null : (double) promptTokens[t] / promptCount[t]);
    }
    report.put("mean_prompt_tokens_by_turn", meanPrompt);
    report.putAll(Adherence.summary(checked, o.turns()));
    StageFiles.writeJson(ctx, ctx.output("adherence"), report);
    @SuppressWarnings("unchecked")
    var byTurn = (List<Map<String, Object>>) report.get("by_turn");
    for (Map<String, Object> row : byTurn) {
      if (row.get("rate") instanceof Double r) {
        ctx.metrics().scalar("adherence/rate", r, ((Number) row.get("turn")).longValue());
      }
    }
    LOG.info("adherence {}: {} dialogues x {} turns, first turn {}, late turns {}", policy, dialogues.size(),
        o.turns(), report.get("first_turn"), report.get("late_turns"));
  }

  /** The longest prompt any turn had, in tokens. */
  private static int maxPromptTokens(TurnSampler.Result r) {
    return r.promptTokens().stream().flatMap(List::stream).mapToInt(Integer::intValue).max().orElse(0);
  }
}
