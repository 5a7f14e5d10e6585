package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.api.text.Message;
import org.align4j.plugins.data.tasks.Check;
import org.align4j.toolkit.stage.Ports;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ghost Attention data (Llama 2 section 3.3): for each multi-turn dialogue under a system rule, the rule's
 * instruction is joined to <em>every</em> user turn and the assistant turns are sampled from the latest RLHF model,
 * one turn after another (batched over dialogues, KV-cached). Optionally only dialogues whose every sampled turn keeps
 * the rule (the task suite's checker) are kept. Each kept dialogue is written with the instruction in the first turn
 * only (the system message, or joined to the first user turn); trained with the {@code sft} stage's
 * {@code mask: last_assistant}, every token of the earlier turns, their assistant answers included, has loss zero
 * (METHODS.md: "so only the last answer trains"), so the model learns to keep a rule it saw only turns ago.
 */
@ProviderInfo(id = "ghost-attention",
    description = "GAtt data: sample every turn with the instruction in each user turn, keep rule-following"
        + " dialogues, write them with the instruction in the first turn only")
@StagePort(input = "model", description = "the latest RLHF model, which samples the assistant turns")
@StagePort(input = "dialogues", description = "rule dialogues: user turns in messages, the instruction in system,"
    + " the rule in check (the tasks stage's gatt output)")
@StagePort(input = "tokenizer", description = Ports.TOKENIZER_DESCRIPTION, required = false)
@StagePort(output = "data", description = "conversations with the instruction in the first turn only (train with"
    + " sft mask: last_assistant)")
@StagePort(output = "report", description = "JSON: dialogues kept and dropped, adherence by turn of the samples")
public final class GhostAttentionStage implements Stage<GhostAttentionStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(GhostAttentionStage.class);

  static final String TURNS = "turns";
  static final String RULE = "rule";

  /**
   * The written rows: conversations, the policy that sampled them, the number of turns, the rule kind and its check
   * spec (so anyone can re-check the kept turns).
   */
  static final Schema ROWS = Schemas.extend(Schemas.CONVERSATIONS, List.of(Schemas.utf8(Schemas.POLICY),
      Schemas.field(TURNS, Schemas.INT32), Schemas.utf8(RULE), Schemas.utf8(Schemas.CHECK)));

  public record Options(
      @Doc("samples_per_prompt (sampled versions of each dialogue), temperature, top_p, max_new_tokens per turn")
          @Default("{samples_per_prompt: 1, temperature: 0.7, top_p: 0.9, max_new_tokens: 40}") @Flat
          SamplingOptions sampling,
      @Doc("keep only dialogues whose every sampled turn keeps the rule (the task suite's checker)") @Default("true")
          boolean requireRule,
      @Doc("where the instruction stays in the written rows: system (the system message) or user (joined to the"
          + " first user turn)") @Default("system") RuleDialogue.FirstTurn firstTurn,
      @Doc("how the instruction is joined to a user turn at sampling time") @Default("'{instruction} {user}'")
          String instructionTemplate,
      @Doc("sample at most this many turns per dialogue (0: all its user turns)") @Default("0") int maxTurns,
      @Doc("fail when fewer dialogues than this are kept") @Default("1") int minKept,
      @Doc("generation_batch, chat_format, policy_name (written into the rows), limit (dialogues)") @Flat
          TurnSampler.StageOptions run) {
    public Options {
      var bad = new ArrayList<String>();
      if (sampling.samplesPerPrompt() < 1) {
        bad.add("samples_per_prompt must be >= 1, got " + sampling.samplesPerPrompt());
      }
      if (maxTurns < 0 || minKept < 0) {
        bad.add("max_turns and min_kept must be >= 0, got " + maxTurns + ", " + minKept);
      }
      RuleDialogue.refuseBadOptions(firstTurn, instructionTemplate, bad);
    }
  }

  @Inject DatasetStore store;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    var run = TurnSampler.StageRun.open(ctx, o.sampling(), o.run(), 1);
    List<RuleDialogue> dialogues = run.dialogues();
    List<RuleDialogue> samples = run.samples();
    String policy = run.policy();
    int turns = dialogues.stream().mapToInt(d -> d.users().size()).max().orElse(0);
    if (o.maxTurns() > 0) {
      turns = Math.min(turns, o.maxTurns());
    }
    TurnSampler.Result sampled = run.sample(turns, (d, a) -> d.everyTurn(a, o.instructionTemplate()));
    Selection sel = select(samples, sampled.answers(), o.requireRule(), o.firstTurn(), o.instructionTemplate(), policy);
    if (sel.rows().size() < o.minKept()) {
      throw new Align4jException("ghost-attention " + ctx.stageId() + ": " + sel.rows().size() + " of "
          + samples.size() + " sampled dialogues kept, fewer than min_kept " + o.minKept() + " (sampled adherence: "
          + sel.adherence().get("all_turns") + "); sample at a lower temperature, more samples_per_prompt, or set"
          + " require_rule: false");
    }
    store.write(ctx.output("data"), ROWS, sel.rows().iterator());
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("policy", policy);
    report.put("dialogues", dialogues.size());
    report.put("samples", samples.size());
    report.put("require_rule", o.requireRule());
    report.put("kept", sel.rows().size());
    report.put("dropped", samples.size() - sel.rows().size());
    report.put("dropped_rule_broken", sel.ruleBroken());
    report.put("dropped_no_turn", sel.empty());
    report.put("stopped_early", sel.stoppedEarly());
    report.put("kept_by_turns", sel.keptByTurns());
    report.put("sampled_adherence", sel.adherence());
    StageFiles.writeJson(ctx, ctx.output("report"), report);
    ctx.metrics().scalar("gatt/kept", sel.rows().size(), 0);
    ctx.metrics().scalar("gatt/dropped", samples.size() - sel.rows().size(), 0);
    LOG.info("ghost-attention: {} of {} sampled dialogues kept ({} broke the rule in some turn); sampled turns kept"
        + " the rule {}", sel.rows().size(), samples.size(), sel.ruleBroken(), sel.adherence().get("all_turns"));
  }

  /**
   * What {@link #select} keeps.
   *
   * @param rows the training rows
   * @param ruleBroken samples dropped because some turn broke the rule
   * @param empty samples with no sampled turn (the context was full before the first)
   * @param stoppedEarly samples with fewer sampled turns than user turns
   * @param keptByTurns kept rows per number of turns
   * @param adherence the samples' adherence by turn with the instruction in every turn ({@link Adherence#summary})
   */
  record Selection(List<Map<String, Object>> rows, long ruleBroken, long empty, long stoppedEarly,
      Map<Integer, Long> keptByTurns, Map<String, Object> adherence) {}

  /**
   * The training rows from the sampled answers: each sample that has a turn (and, with {@code requireRule}, keeps the
   * rule in every turn) becomes its dialogue up to its last sampled turn, the instruction in the first turn only.
   */
  static Selection select(List<RuleDialogue> samples, List<List<String>> answers, boolean requireRule,
      RuleDialogue.FirstTurn firstTurn, String template, String policy) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Adherence.Sample> followed = new ArrayList<>();
    long broken = 0;
    long empty = 0;
    long early = 0;
    Map<Integer, Long> byTurns = new java.util.TreeMap<>();
    Map<RuleDialogue, Integer> cluster = new java.util.IdentityHashMap<>();
    int turns = 0;
    for (int i = 0; i < samples.size(); i++) {
      RuleDialogue d = samples.get(i);
      List<String> a = answers.get(i);
      turns = Math.max(turns, a.size());
      boolean[] f = new boolean[a.size()];
      boolean all = true;
      for (int t = 0; t < a.size(); t++) {
        f[t] = d.follows(a.get(t));
        all &= f[t];
      }
      followed.add(new Adherence.Sample(cluster.computeIfAbsent(d, x -> cluster.size()), d.rule(), f));
      if (a.size() < d.users().size()) {
        early++;
      }
      if (a.isEmpty()) {
        empty++;
        continue;
      }
      if (requireRule && !all) {
        broken++;
        continue;
      }
      List<Message> conv = d.trainingRow(a, firstTurn, template);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put(Schemas.MESSAGES, conv);
      row.put(Schemas.SYSTEM, null);
      row.put(Schemas.TAGS, List.of("dialogue", "rule-" + d.rule()));
      row.put(Schemas.POLICY, policy);
      row.put(TURNS, a.size());
      row.put(RULE, d.rule());
      row.put(Schemas.CHECK, Check.encode(new java.util.TreeMap<>(d.check())));
      rows.add(row);
      byTurns.merge(a.size(), 1L, Long::sum);
    }
    return new Selection(rows, broken, empty, early, byTurns, Adherence.summary(followed, turns));
  }
}
