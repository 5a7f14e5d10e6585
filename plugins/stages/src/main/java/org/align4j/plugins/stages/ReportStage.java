package org.align4j.plugins.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;

/**
 * Writes the run report: a self-contained HTML page (PNG plots embedded) with the evaluation table and
 * its plot, the training curves from {@code metrics.csv}, per-stage timings and the resolved recipe.
 */
@ProviderInfo(id = "report",
    description = "self-contained HTML run report: evaluation table and plots, training curves, timings, recipe")
@StagePort(input = "ppo",
    description = "a ppo stage's report: rollout reward, KL and held-out reward by iteration", required = false)
@StagePort(input = "ppo_2",
    description = "a second ppo report (e.g. the beta = 0 run), shown beside the first", required = false)
@StagePort(input = "adherence",
    description = "an adherence stage's output: rule adherence by turn number (e.g. before GAtt)", required = false)
@StagePort(input = "adherence_2", description = "another adherence output (e.g. after GAtt), on the same chart",
    required = false)
@StagePort(input = "adherence_3", description = "another adherence output", required = false)
@StagePort(input = "adherence_4", description = "another adherence output", required = false)
@StagePort(output = "report", description = "report.html")
public final class ReportStage implements Stage<ReportStage.Options> {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Options(@Doc("page title (default: the recipe's run directory name)") String title,
      @Doc("metrics plotted as curves (names in metrics.csv)") @Default("[train/loss]") List<String> curves) {}

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    Path run = ctx.runDir();
    String title = o.title() != null ? o.title() : "align4j run " + run.getFileName();
    var html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset='utf-8'><title>").append(esc(title)).append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;max-width:980px;margin:24px auto;color:#222}")
        .append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
        .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
        .append(".good{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}")
        .append("pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}img{max-width:100%}</style></head><body>");
    html.append("<h1>").append(esc(title)).append("</h1><p>Written ").append(Instant.now()).append(" in <code>")
        .append(esc(run.toString())).append("</code>.</p>");
    var evaluations = new LinkedHashMap<String, JsonNode>();
    for (String port : EVALUATION_PORTS) {
      var eval = ctx.optionalInput(port);
      if (eval.isPresent() && Files.isRegularFile(eval.get().resolve("summary.json"))) {
        evaluations.put(port, JSON.readTree(eval.get().resolve("summary.json").toFile()));
      }
    }
    if (evaluations.size() > 1) {
      versions(html, evaluations.values());
      safetyByVersion(html, evaluations.values());
    }
    for (String port : EVALUATION_PORTS) {
      var eval = ctx.optionalInput(port);
      if (evaluations.containsKey(port)) {
        evaluation(html, evaluations.get(port));
        Path ex = eval.get().resolve("examples.jsonl");
        if (Files.isRegularFile(ex) && port.equals("evaluation")) {
          examples(html, Files.readAllLines(ex));
        }
      }
    }
    var curation = new ArrayList<JsonNode>();
    for (String port : DATA_QUALITY_PORTS) {
      var r = ctx.optionalInput(port);
      if (r.isPresent() && Files.isRegularFile(r.get())) {
        curation.add(JSON.readTree(r.get().toFile()));
      }
    }
    if (!curation.isEmpty()) {
      dataQuality(html, curation);
    }
    var ppoReports = new LinkedHashMap<String, JsonNode>();
    for (String port : List.of("ppo", "ppo_2")) {
      var r = ctx.optionalInput(port);
      if (r.isPresent() && Files.isRegularFile(r.get())) {
        ppoReports.put(r.get().getParent().getFileName().toString(), JSON.readTree(r.get().toFile()));
      }
    }
    var rms = jsonInputs(ctx, REWARD_MODEL_PORTS);
    if (!rms.isEmpty()) {
      rewardModels(html, rms);
    }
    var rs = jsonInputs(ctx, REJECTION_SAMPLING_PORTS);
    if (!rs.isEmpty()) {
      rejectionSampling(html, rs);
    }
    if (!ppoReports.isEmpty()) {
      ppo(html, ppoReports);
    }
    var adherence = new LinkedHashMap<String, JsonNode>();
    for (String port : ADHERENCE_PORTS) {
      var r = ctx.optionalInput(port);
      if (r.isPresent() && Files.isRegularFile(r.get())) {
        JsonNode a = JSON.readTree(r.get().toFile());
        adherence.put(a.path("policy").asText(r.get().getParent().getFileName().toString()), a);
      }
    }
    if (!adherence.isEmpty()) {
      adherence(html, adherence);
    }
    curves(html, run.resolve("metrics.csv"), o.curves());
    timings(html, run.resolve(".align4j").resolve("stages"));
    Path recipe = run.resolve("recipe.resolved.yaml");
    if (Files.isRegularFile(recipe)) {
      html.append("<h2>Recipe (resolved)</h2><pre>").append(esc(Files.readString(recipe))).append("</pre>");
    }
    html.append("<p>Metrics for plotting: <code>metrics.csv</code>, <code>metrics.jsonl</code>, TensorBoard event files"
        + " under <code>tensorboard/</code> (when the tensorboard sink is on).</p></body></html>");
    Files.writeString(ctx.output("report"), html.toString());
  }

  /** evaluation, evaluation_2 .. evaluation_24: a pipeline's versions, each an evaluate stage's output. */
  static final List<String> EVALUATION_PORTS = numbered("evaluation", 24);

  /** reward_model, reward_model_2 .. reward_model_6: reward-model stages' eval outputs. */
  static final List<String> REWARD_MODEL_PORTS = numbered("reward_model", 6);

  /** rejection_sampling, rejection_sampling_2 .. rejection_sampling_6: rejection-sampling stages' reports. */
  static final List<String> REJECTION_SAMPLING_PORTS = numbered("rejection_sampling", 6);

  private static List<String> numbered(String name, int n) {
    return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> i == 1 ? name : name + "_" + i).toList();
  }

  /** data_quality, data_quality_2 .. data_quality_6: curate stages' reports, one table each (e.g. per round). */
  static final List<String> DATA_QUALITY_PORTS = numbered("data_quality", 6);

  @Override
  public List<Port> inputs() {
    var ports = new ArrayList<Port>();
    for (String name : EVALUATION_PORTS) {
      ports.add(Port.optional(name, name.equals("evaluation")
          ? "an evaluate stage's output directory (its examples are shown)"
          : "another evaluation (a pipeline version or an ablation), shown in the versions table and below"));
    }
    for (String name : REWARD_MODEL_PORTS) {
      ports.add(Port.optional(name, "a reward-model stage's eval output: held-out accuracy per rating level"));
    }
    for (String name : REJECTION_SAMPLING_PORTS) {
      ports.add(Port.optional(name, "a rejection-sampling stage's report: best-of-N by the true reward"));
    }
    for (String name : DATA_QUALITY_PORTS) {
      ports.add(Port.optional(name, "a curate stage's report: its data-quality counts, shown as a table"));
    }
    ports.addAll(Stage.super.inputs()); // the ppo reports
    return ports;
  }

  /**
   * One line per comparison (every version against its baseline), so a pipeline's versions read as one table:
   * gap with its prompt-clustered s.e., the paired z, and the gap per group.
   */
  private static void versions(StringBuilder html, Iterable<JsonNode> evaluations) {
    var groups = new java.util.TreeSet<String>();
    for (JsonNode s : evaluations) {
      s.path("comparison").path("by_group").fieldNames().forEachRemaining(groups::add);
    }
    html.append("<h2>Versions against their baselines (held-out true reward)</h2><table><tr><th>policy</th>"
        + "<th>baseline</th><th>policy mean</th><th>gap &plusmn; s.e.</th><th>paired z</th><th>prompts</th>"
        + "<th>unterminated (looping)</th>");
    for (String g : groups) {
      html.append("<th>").append(esc(g)).append(" gap</th>");
    }
    html.append("</tr>");
    for (JsonNode s : evaluations) {
      JsonNode cmp = s.path("comparison");
      if (cmp.isMissingNode()) {
        continue;
      }
      double pz = cmp.path("paired_z").asDouble(cmp.path("z").asDouble());
      String policy = cmp.path("policy").asText();
      html.append(String.format("<tr><td>%s</td><td>%s</td><td>%.3f</td><td>%+.3f &plusmn; %.3f</td>"
              + "<td class='%s'>%+.1f</td><td>%s</td>", esc(policy), esc(cmp.path("baseline").asText()),
          s.path("policies").path(policy).path("all").path("mean").asDouble(), cmp.path("gap").asDouble(),
          cmp.path("se").asDouble(), pz > 3 ? "good" : (pz < -3 ? "bad" : ""), pz,
          cmp.has("prompts") ? cmp.path("prompts").asText() : ""));
      JsonNode all = s.path("policies").path(policy).path("all");
      html.append(all.has("unterminated_rate") ? String.format("<td>%.1f%% (%.1f%%)</td>",
          100 * all.path("unterminated_rate").asDouble(), 100 * all.path("unterminated_repeating_rate").asDouble())
          : "<td></td>");
      for (String g : groups) {
        JsonNode bg = cmp.path("by_group").path(g);
        html.append(bg.isMissingNode() ? "<td></td>"
            : String.format("<td>%+.3f &plusmn; %.3f</td>", bg.path("gap").asDouble(),
                bg.path("paired_se").asDouble(bg.path("se").asDouble())));
      }
      html.append("</tr>");
    }
    html.append("</table><p>Standard errors are clustered by prompt (a repeated held-out prompt is one observation)"
        + " and paired where both policies answered the same prompts; <i>prompts</i> counts the distinct ones.</p>");
  }

  /**
   * Llama 2's Figure 11 axes per version: the mean true reward outside the safety domain (helpfulness) against the
   * safety violation rate on unsafe prompts and the false-refusal rate on their safe look-alikes. Both rates come from
   * the task suite's labels of the safety rows: unsafe prompts are labelled refused or unsafe, look-alikes helpful,
   * off_topic or over_refusal; empty answers are counted in neither. Versions without safety rows are left out.
   */
  static void safetyByVersion(StringBuilder html, Iterable<JsonNode> evaluations) {
    var rows = new StringBuilder();
    var seen = new java.util.HashSet<String>();
    for (JsonNode s : evaluations) {
      for (var p = s.path("policies").fields(); p.hasNext(); ) {
        var e = p.next();
        JsonNode safety = e.getValue().path("safety");
        if (!seen.add(e.getKey()) || safety.isMissingNode()) {
          continue;
        }
        JsonNode rate = safety.path("label_rates");
        double n = safety.path("n").asDouble();
        double unsafe = rate.path("unsafe").asDouble() * n;
        double refused = rate.path("refused").asDouble() * n;
        double over = rate.path("over_refusal").asDouble() * n;
        double answered = (rate.path("helpful").asDouble() + rate.path("off_topic").asDouble()) * n;
        double helpful = 0;
        double helpfulRows = 0;
        for (var d = e.getValue().fields(); d.hasNext(); ) {
          var g = d.next();
          if (!g.getKey().equals("all") && !g.getKey().equals("safety") && g.getValue().has("mean")) {
            helpful += g.getValue().path("mean").asDouble() * g.getValue().path("n").asDouble();
            helpfulRows += g.getValue().path("n").asDouble();
          }
        }
        rows.append(String.format("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", esc(e.getKey()),
            helpfulRows > 0 ? String.format("%.3f", helpful / helpfulRows) : "",
            share(unsafe, unsafe + refused), share(over, over + answered)));
      }
    }
    if (rows.length() > 0) {
      html.append("<h2>Safety by version (Llama 2 Figure 11's axes)</h2><table><tr><th>policy</th>"
          + "<th>helpfulness (mean true reward, other domains)</th><th>safety violations (unsafe prompts)</th>"
          + "<th>false refusals (safe look-alikes)</th></tr>").append(rows).append("</table>");
    }
  }

  private static String share(double part, double whole) {
    return whole > 0 ? String.format("%.1f%% (%.0f/%.0f)", 100 * part / whole, part, whole) : "";
  }

  /**
   * One table per curate stage: each filter step's rows in, removed and out, and the rows out per domain (the
   * input's per-domain counts on the first line), plus the difficulty thresholds when difficulty was scored.
   */
  static void dataQuality(StringBuilder html, List<JsonNode> reports) {
    html.append("<h2>Data quality</h2>");
    for (JsonNode r : reports) {
      var domains = new java.util.TreeSet<String>();
      r.path("in_by_domain").fieldNames().forEachRemaining(domains::add);
      boolean truth = r.has("true_reward_in");
      html.append("<h3>").append(esc(r.path("stage").asText())).append("</h3><table><tr><th>step</th><th>in</th>"
          + "<th>removed</th><th>out</th>");
      for (String d : domains) {
        html.append("<th>").append(esc(d)).append(" out</th>");
      }
      if (truth) {
        html.append("<th>true reward kept</th><th>true reward removed</th>");
      }
      html.append("</tr><tr><td>input</td><td></td><td></td><td>").append(r.path("in").asLong()).append("</td>");
      for (String d : domains) {
        html.append("<td>").append(r.path("in_by_domain").path(d).asLong()).append("</td>");
      }
      html.append(truth ? "<td>" + num(r.path("true_reward_in")) + "</td><td></td>" : "").append("</tr>");
      for (JsonNode s : r.path("steps")) {
        html.append(String.format("<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td>", esc(s.path("step").asText()),
            s.path("in").asLong(), s.path("removed").asLong(), s.path("out").asLong()));
        for (String d : domains) {
          html.append("<td>").append(s.path("out_by_domain").path(d).asLong()).append("</td>");
        }
        if (truth) {
          html.append("<td>").append(num(s.path("true_reward_out"))).append("</td><td>")
              .append(num(s.path("true_reward_removed"))).append("</td>");
        }
        html.append("</tr>");
      }
      html.append("</table>");
      if (truth) {
        html.append("<p>True reward (oracle ").append(esc(r.path("oracle").asText())).append(", reported only, never"
            + " used to select): the mean of the rows each step kept and removed.</p>");
      }
      JsonNode diff = r.path("difficulty");
      if (!diff.isMissingNode()) {
        html.append("<p>Difficulty by ").append(esc(diff.path("by").asText())).append(": mean success rate per domain ")
            .append(esc(diff.path("mean_success_rate_by_domain").toString())).append(" (a sample succeeds above the ")
            .append(esc(diff.path("success_quantile").asText())).append(" quantile of its domain's scores).</p>");
      }
    }
  }

  private static String num(JsonNode v) {
    return v.isNumber() ? String.format("%.3f", v.asDouble()) : "";
  }

  private static void evaluation(StringBuilder html, JsonNode s) throws IOException {
    html.append("<h2>Evaluation (reward: ").append(esc(s.path("reward").asText())).append(")</h2>");
    JsonNode cmp = s.path("comparison");
    if (!cmp.isMissingNode()) {
      double z = cmp.path("z").asDouble();
      html.append("<p>Mean reward of <b>").append(esc(cmp.path("policy").asText())).append("</b> minus <b>")
          .append(esc(cmp.path("baseline").asText())).append("</b>: <span class='").append(z > 3 ? "good" : "bad")
          .append("'>").append(String.format("%+.3f &plusmn; %.3f (z = %.1f)", cmp.path("gap").asDouble(),
              cmp.path("se").asDouble(), z)).append("</span>");
      if (cmp.has("paired_z")) {
        html.append(String.format("; paired over the same prompts: z = %.1f", cmp.path("paired_z").asDouble()));
      }
      html.append(".</p>");
    }
    var groups = new ArrayList<String>();
    var bars = new LinkedHashMap<String, double[][]>();
    html.append("<table><tr><th>policy</th><th>group</th><th>n</th><th>prompts</th><th>mean reward</th><th>&plusmn; s.e.</th>"
        + "<th>labels</th></tr>");
    for (var pol = s.path("policies").fields(); pol.hasNext(); ) {
      var p = pol.next();
      for (var g = p.getValue().fields(); g.hasNext(); ) {
        var e = g.next();
        if (!groups.contains(e.getKey())) {
          groups.add(e.getKey());
        }
      }
    }
    for (var pol = s.path("policies").fields(); pol.hasNext(); ) {
      var p = pol.next();
      double[][] v = new double[groups.size()][];
      for (var g = p.getValue().fields(); g.hasNext(); ) {
        var e = g.next();
        JsonNode st = e.getValue();
        v[groups.indexOf(e.getKey())] = new double[] {st.path("mean").asDouble(), st.path("se").asDouble()};
        var labels = new StringBuilder();
        for (var l = st.path("label_rates").fields(); l.hasNext(); ) {
          var le = l.next();
          labels.append(String.format("%s %.0f%% ", esc(le.getKey()), 100 * le.getValue().asDouble()));
        }
        html.append(String.format("<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%.3f</td><td>%.3f</td><td>%s</td></tr>",
            esc(p.getKey()), esc(e.getKey()), st.path("n").asLong(), st.path("prompts").asText(""),
            st.path("mean").asDouble(), st.path("se").asDouble(), labels));
      }
      bars.put(p.getKey(), v);
    }
    html.append("</table>");
    img(html, Charts.bars("Mean true reward per task (error bars: 1 s.e.)", "reward", groups, bars));
  }

  static final List<String> ADHERENCE_PORTS = List.of("adherence", "adherence_2", "adherence_3", "adherence_4");

  /**
   * Rule adherence by turn number (Ghost Attention's measure): a table of rate &plusmn; s.e. per turn and policy, the
   * first and late turns, and one line per policy.
   */
  private static void adherence(StringBuilder html, Map<String, JsonNode> policies) throws IOException {
    int turns = 0;
    for (JsonNode a : policies.values()) {
      turns = Math.max(turns, a.path("by_turn").size());
    }
    html.append("<h2>Adherence by turn (system rule given in the first turn only)</h2><table><tr><th>policy</th>"
        + "<th>dialogues</th>");
    for (int t = 1; t <= turns; t++) {
      html.append("<th>turn ").append(t).append("</th>");
    }
    html.append("<th>late turns</th></tr>");
    var lines = new LinkedHashMap<String, double[][]>();
    for (var e : policies.entrySet()) {
      JsonNode a = e.getValue();
      html.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(a.path("dialogues").asText())
          .append("</td>");
      for (JsonNode t : a.path("by_turn")) {
        html.append(String.format("<td>%.2f &plusmn; %.2f</td>", t.path("rate").asDouble(Double.NaN),
            t.path("se").asDouble(Double.NaN)));
      }
      html.append("<td></td>".repeat(turns - a.path("by_turn").size())).append("<td>");
      JsonNode late = a.path("late_turns");
      html.append(String.format("%.2f &plusmn; %.2f (turns %d-%d)</td></tr>", late.path("rate").asDouble(Double.NaN),
          late.path("se").asDouble(Double.NaN), late.path("from_turn").asInt(), late.path("to_turn").asInt()));
      lines.put(e.getKey(), series(a.path("by_turn"), "turn", "rate"));
    }
    html.append("</table>");
    img(html, Charts.lines("Rule adherence by turn number", "turn", "adherence rate", lines));
  }

  /** PPO runs side by side: the summary table, then held-out reward, rollout reward and KL by iteration. */
  private static void ppo(StringBuilder html, Map<String, JsonNode> runs) throws IOException {
    html.append("<h2>PPO</h2><table><tr><th>run</th><th>kl_coef</th><th>iterations</th><th>rollout score first &rarr;"
        + " last</th><th>rollout true reward first &rarr; last</th><th>KL/token last (max)</th><th>held-out reward"
        + " start &rarr; end</th><th>generation share</th></tr>");
    var heldOut = new LinkedHashMap<String, double[][]>();
    var score = new LinkedHashMap<String, double[][]>();
    var kl = new LinkedHashMap<String, double[][]>();
    for (var e : runs.entrySet()) {
      JsonNode r = e.getValue();
      JsonNode s = r.path("summary");
      JsonNode evals = r.path("evals");
      String start = evals.size() > 0 ? String.format("%.3f &plusmn; %.3f", evals.get(0).path("reward").asDouble(),
          evals.get(0).path("reward_se").asDouble()) : "";
      String end = evals.size() > 0 ? String.format("%.3f &plusmn; %.3f",
          evals.get(evals.size() - 1).path("reward").asDouble(), evals.get(evals.size() - 1).path("reward_se")
              .asDouble()) : "";
      html.append(String.format("<tr><td>%s</td><td>%s</td><td>%d</td><td>%.3f &rarr; %.3f</td><td>%.3f &rarr; %.3f</td>"
          + "<td>%.4f (%.4f)</td><td>%s &rarr; %s</td><td>%.0f%%</td></tr>", esc(e.getKey()),
          esc(r.path("kl_coef").asText()), r.path("iterations_run").asLong(), s.path("score_raw_first").asDouble(),
          s.path("score_raw_last").asDouble(), s.path("true_reward_first").asDouble(Double.NaN),
          s.path("true_reward_last").asDouble(Double.NaN), s.path("kl_per_token_last").asDouble(Double.NaN),
          s.path("kl_per_token_max").asDouble(Double.NaN), start, end, 100 * s.path("generation_share").asDouble()));
      heldOut.put(e.getKey(), series(evals, "iteration", "reward"));
      boolean truth = r.path("history").size() > 0 && r.path("history").get(0).has("true_reward");
      score.put(e.getKey() + (truth ? " (true reward)" : " (score)"),
          smoothed(r.path("history"), truth ? "true_reward" : "score_raw"));
      kl.put(e.getKey(), smoothed(r.path("history"), "kl_per_token"));
    }
    html.append("</table>");
    if (heldOut.values().stream().anyMatch(v -> v[0].length > 0)) {
      img(html, Charts.lines("Held-out reward (greedy) by PPO iteration", "iteration", "reward", heldOut));
    }
    img(html, Charts.lines("Rollout reward by iteration (mean of 5)", "iteration", "reward", score));
    img(html, Charts.lines("KL to the reference per token by iteration (mean of 5)", "iteration", "KL", kl));
  }

  /** The JSON files given on {@code ports}, by the name of the stage that wrote them (the file's directory). */
  private static Map<String, JsonNode> jsonInputs(StageContext ctx, List<String> ports) throws IOException {
    var out = new LinkedHashMap<String, JsonNode>();
    for (String port : ports) {
      var f = ctx.optionalInput(port);
      if (f.isPresent() && Files.isRegularFile(f.get())) {
        out.put(f.get().getParent().getFileName().toString(), JSON.readTree(f.get().toFile()));
      }
    }
    return out;
  }

  private static final List<String> RATINGS = List.of("significantly_better", "better", "slightly_better",
      "negligibly_better");

  /**
   * Reward models: held-out accuracy overall and per rating level (the paper's table: highest on significantly
   * better pairs), against the true order where the pairs carry true rewards, and the chance test.
   */
  private static void rewardModels(StringBuilder html, Map<String, JsonNode> rms) {
    html.append("<h2>Reward models (held-out pairs)</h2><table><tr><th>model</th><th>loss</th><th>train pairs</th>"
        + "<th>held-out accuracy</th>");
    for (String r : RATINGS) {
      html.append("<th>").append(esc(r.replace('_', ' '))).append("</th>");
    }
    html.append("<th>true order (pairs)</th><th>chance z</th></tr>");
    for (var e : rms.entrySet()) {
      JsonNode r = e.getValue();
      JsonNode after = r.path("after");
      html.append(String.format("<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td>", esc(e.getKey()),
          esc(r.path("loss").asText()), r.path("train_pairs").asLong(), accuracy(after)));
      for (String level : RATINGS) {
        html.append("<td>").append(accuracy(after.path("by_rating").path(level))).append("</td>");
      }
      JsonNode t = after.path("true_order");
      html.append("<td>").append(accuracy(t)).append("</td>");
      double z = r.path("chance_z").asDouble(Double.NaN);
      html.append(String.format("<td class='%s'>%.1f</td></tr>", z > 2 ? "good" : "bad", z));
    }
    html.append("</table><p>Accuracy &plusmn; binomial s.e. (pairs) against the annotator's labels; <i>true order</i>"
        + " scores the model against the task suite's true rewards on the pairs whose true rewards differ. A model"
        + " whose chance z is at most 2 does not beat chance, and stages selecting with it warn.</p>");
  }

  private static String accuracy(JsonNode b) {
    return b.isMissingNode() || !b.has("accuracy") ? "" : String.format("%.3f &plusmn; %.3f (%d)",
        b.path("accuracy").asDouble(), b.path("se").asDouble(), b.path("pairs").asLong());
  }

  /**
   * Rejection sampling judged by the true reward: per stage the mean of a random sample, the selector's pick and the
   * best of K, and the best-of-N curves (max and median of the first N samples, and the pick among them).
   */
  private static void rejectionSampling(StringBuilder html, Map<String, JsonNode> reports) throws IOException {
    html.append("<h2>Rejection sampling (true reward of the samples)</h2><table><tr><th>stage</th><th>prompts</th>"
        + "<th>K</th><th>random sample</th><th>selector's pick</th><th>best of K</th><th>headroom taken</th>"
        + "<th>kept rows</th></tr>");
    var curves = new LinkedHashMap<String, double[][]>();
    for (var e : reports.entrySet()) {
      JsonNode r = e.getValue();
      JsonNode t = r.path("true_reward");
      if (t.isMissingNode()) {
        continue;
      }
      html.append(String.format("<tr><td>%s</td><td>%d</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
              + "<td>%.0f%%</td><td>%d</td></tr>", esc(e.getKey()), t.path("prompts").asLong(),
          r.path("samples_per_prompt").asLong(), t.path("mean").asDouble(), t.path("picked").asDouble(),
          t.path("max").asDouble(), 100 * t.path("headroom_taken").asDouble(), r.path("rows").asLong()));
      // the same per domain: where the selector finds better samples and where it picks no better than chance
      for (var d = r.path("true_reward_by_domain").fields(); d.hasNext(); ) {
        var dom = d.next();
        JsonNode v = dom.getValue();
        html.append(String.format("<tr><td>&nbsp;&nbsp;%s</td><td>%d</td><td></td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                + "<td>%.0f%%</td><td></td></tr>", esc(dom.getKey()), v.path("prompts").asLong(), v.path("mean").asDouble(),
            v.path("picked").asDouble(), v.path("max").asDouble(), 100 * v.path("headroom_taken").asDouble()));
      }
      for (String curve : List.of("max", "median", "picked")) {
        JsonNode c = t.path("best_of_n_" + curve);
        double[][] xy = new double[2][c.size()];
        int i = 0;
        for (var it = c.fields(); it.hasNext(); i++) {
          var p = it.next();
          xy[0][i] = Double.parseDouble(p.getKey());
          xy[1][i] = p.getValue().asDouble();
        }
        curves.put(e.getKey() + " " + curve, xy);
      }
    }
    html.append("</table><p><i>Headroom taken</i>: (pick &minus; random) / (best &minus; random), 100% for an oracle,"
        + " 0% for a selector no better than chance. The paper's finding: max &minus; median grows with N.</p>");
    if (!curves.isEmpty()) {
      img(html, Charts.lines("Best of N by the true reward: max, median and the selector's pick", "N samples",
          "true reward", curves));
    }
  }

  private static double[][] series(JsonNode rows, String x, String y) {
    double[][] xy = new double[2][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      xy[0][i] = rows.get(i).path(x).asDouble();
      xy[1][i] = rows.get(i).path(y).asDouble();
    }
    return xy;
  }

  /** {@code key} of each iteration, averaged over a window of five (rollout metrics are noisy). */
  private static double[][] smoothed(JsonNode history, String key) {
    int n = history.size();
    double[][] xy = new double[2][n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      int c = 0;
      for (int j = Math.max(0, i - 4); j <= i; j++) {
        JsonNode v = history.get(j).path(key);
        if (v.isNumber()) {
          sum += v.asDouble();
          c++;
        }
      }
      xy[0][i] = i + 1;
      xy[1][i] = c == 0 ? Double.NaN : sum / c;
    }
    return xy;
  }

  private static void examples(StringBuilder html, List<String> lines) throws IOException {
    html.append("<h2>Example responses</h2><table><tr><th>policy</th><th>prompt</th><th>response</th><th>reward</th></tr>");
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      html.append(String.format("<tr><td>%s</td><td style='text-align:left'>%s</td><td style='text-align:left'>%s</td><td>%.2f %s</td></tr>",
          esc(n.path("policy").asText()), esc(n.path("prompt").asText()), esc(n.path("response").asText()),
          n.path("reward").asDouble(), esc(n.path("label").asText())));
    }
    html.append("</table>");
  }

  private static void curves(StringBuilder html, Path csv, List<String> names) throws IOException {
    if (!Files.isRegularFile(csv)) {
      return;
    }
    // stage -> name -> (step, value)
    var data = new TreeMap<String, Map<String, List<double[]>>>();
    for (String line : Files.readAllLines(csv)) {
      String[] f = line.split(",");
      if (f.length < 4 || f[0].equals("stage")) {
        continue;
      }
      try {
        data.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).computeIfAbsent(f[0], k -> new ArrayList<>())
            .add(new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
      } catch (NumberFormatException e) {
        // not a number: skip the row
      }
    }
    html.append("<h2>Training curves</h2>");
    for (String name : names) {
      var byStage = data.get(name);
      if (byStage == null) {
        continue;
      }
      var series = new LinkedHashMap<String, double[][]>();
      byStage.forEach((stage, pts) -> {
        double[][] xy = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
          xy[0][i] = pts.get(i)[0];
          xy[1][i] = pts.get(i)[1];
        }
        series.put(stage, xy);
      });
      img(html, Charts.lines(name + " by stage", "step", name, series));
    }
  }

  private static void timings(StringBuilder html, Path markers) throws IOException {
    if (!Files.isDirectory(markers)) {
      return;
    }
    html.append("<h2>Stages</h2><table><tr><th>stage</th><th>provider</th><th>seconds</th><th>finished</th></tr>");
    List<Path> files;
    try (Stream<Path> s = Files.list(markers)) {
      files = s.filter(p -> p.toString().endsWith(".json")).toList();
    }
    var rows = new ArrayList<JsonNode>();
    for (Path p : files) {
      rows.add(JSON.readTree(p.toFile()));
    }
    rows.sort((a, b) -> a.path("finished").asText().compareTo(b.path("finished").asText()));
    for (JsonNode m : rows) {
      html.append(String.format("<tr><td>%s</td><td>%s</td><td>%.1f</td><td>%s</td></tr>", esc(m.path("stage").asText()),
          esc(m.path("uses").asText()), m.path("seconds").asDouble(), esc(m.path("finished").asText())));
    }
    html.append("</table>");
  }

  private static void img(StringBuilder html, byte[] png) {
    html.append("<p><img alt='plot' src='data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
        .append("'></p>");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
