package org.align4j.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.metrics.MetricsSinkProvider;
import org.align4j.api.stage.Stage;
import org.align4j.core.Versions;
import org.align4j.core.inject.RunSettings;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.ResolvedRecipe;
import org.align4j.core.recipe.ResolvedStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a validated recipe: stages in dependency order, each writing its outputs into a temporary place
 * that is renamed into the run directory only when the stage succeeds, followed by a marker holding the
 * stage's fingerprint. A stage whose marker matches its fingerprint (and whose outputs exist) is skipped,
 * so an interrupted run resumes where it stopped; a stage that checkpoints into its work directory
 * resumes inside itself too.
 *
 * <pre>
 * run_dir/
 *   recipe.resolved.yaml   the recipe as it ran (repeats expanded, references resolved)
 *   run.json               versions, seed, stage outcomes and timings of the latest run
 *   runs.jsonl             one line per run (history)
 *   metrics.csv ...        written by the metrics sinks
 *   logs/                  written by the launcher's log configuration
 *   &lt;outputs&gt;              as declared by the stages
 *   .align4j/stages/&lt;id&gt;.json   done markers   .align4j/work/&lt;id&gt;/  checkpoints   .align4j/tmp/  outputs in flight
 * </pre>
 */
public final class PipelineRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final PluginRegistry registry;

  public PipelineRunner(PluginRegistry registry) {
    this.registry = registry;
  }

  /** What a run would do, without doing it: each stage and whether it would run or be skipped. */
  public List<StageOutcome> plan(ResolvedRecipe recipe) {
    var out = new ArrayList<StageOutcome>();
    var fps = new HashMap<String, String>();
    var reran = new java.util.HashSet<String>();
    for (ResolvedStage s : recipe.stages()) {
      String fp = Fingerprints.of(s, recipe.runDir(), recipe.defaults(), stageSeed(recipe.seed(), s.id()), fps);
      fps.put(s.id(), fp);
      boolean upstreamReruns = s.dependsOn().stream().anyMatch(reran::contains);
      boolean done = !upstreamReruns && isDone(recipe.runDir(), s, fp);
      if (!done) {
        reran.add(s.id());
      }
      out.add(new StageOutcome(s.id(), s.uses(), done ? StageOutcome.Status.SKIPPED : StageOutcome.Status.NOT_RUN,
          Duration.ZERO, fp, done ? "finished earlier with the same inputs and options" : "would run"));
    }
    return out;
  }

  public RunResult run(ResolvedRecipe recipe) {
    return run(recipe, Set.of());
  }

  /**
   * @param force stage ids to run even if finished
   */
  public RunResult run(ResolvedRecipe recipe, Set<String> force) {
    Path runDir = recipe.runDir();
    Path meta = runDir.resolve(".align4j");
    try {
      Files.createDirectories(meta);
    } catch (IOException e) {
      throw new Align4jException("cannot create run directory " + runDir + ": " + e.getMessage(), e);
    }
    try (FileChannel ch = FileChannel.open(meta.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new Align4jException("run directory " + runDir + " is in use by another align4j run; wait for it or"
            + " choose another run_dir (--set run_dir=...)");
      }
      try {
        return runLocked(recipe, force);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new Align4jException("cannot lock run directory " + runDir + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private RunResult runLocked(ResolvedRecipe recipe, Set<String> force) throws IOException {
    Path runDir = recipe.runDir();
    Path meta = runDir.resolve(".align4j");
    Instant started = Instant.now();
    Files2.writeAtomically(runDir.resolve("recipe.resolved.yaml"), YAML.writeValueAsString(recipe.resolved()));
    var outcomes = new ArrayList<StageOutcome>();
    var fps = new HashMap<String, String>();
    var reran = new java.util.HashSet<String>();
    boolean ok = true;
    try (MetricsHub hub = new MetricsHub()) {
      var binder = new OptionsBinder(registry);
      for (var ref : recipe.metrics()) {
        var e = registry.find(MetricsSinkProvider.class, ref.uses()).orElseThrow();
        MetricsSinkProvider p = (MetricsSinkProvider) e.provider();
        hub.add(p.open(runDir, binder.bindPlain(p.optionsType(), ref.options(), "metrics sink " + ref.uses())));
      }
      var services = new Services(registry, RunSettings.of(recipe.defaults()), hub);
      LOG.info("run '{}' in {} ({} stages)", recipe.name(), runDir, recipe.stages().size());
      for (ResolvedStage s : recipe.stages()) {
        if (!ok) {
          outcomes.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.NOT_RUN, Duration.ZERO, null, "an earlier stage failed"));
          continue;
        }
        long seed = stageSeed(recipe.seed(), s.id());
        String fp = Fingerprints.of(s, recipe.runDir(), recipe.defaults(), seed, fps);
        fps.put(s.id(), fp);
        boolean upstreamReran = s.dependsOn().stream().anyMatch(reran::contains);
        if (!force.contains(s.id()) && !upstreamReran && isDone(runDir, s, fp)) {
          LOG.info("stage {} ({}): skipped, finished earlier with the same inputs and options", s.id(), s.uses());
          outcomes.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.SKIPPED, Duration.ZERO, fp, "up to date"));
          continue;
        }
        reran.add(s.id());
        var outcome = runStage(recipe, s, fp, seed, hub, services);
        outcomes.add(outcome);
        ok = outcome.status() == StageOutcome.Status.RAN;
        hub.flush();
      }
    }
    var result = new RunResult(runDir, List.copyOf(outcomes), ok);
    writeRunRecord(recipe, result, started);
    return result;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private StageOutcome runStage(ResolvedRecipe recipe, ResolvedStage s, String fp, long seed, MetricsHub hub, Services services)
      throws IOException {
    Path meta = recipe.runDir().resolve(".align4j");
    Path work = meta.resolve("work").resolve(s.id());
    Path tmp = meta.resolve("tmp").resolve(s.id());
    Path workFp = work.resolve(".fingerprint");
    if (Files.exists(workFp) && !Files.readString(workFp).equals(fp)) {
      LOG.info("stage {}: inputs or options changed since its checkpoints were written; starting it afresh", s.id());
      Files2.deleteRecursively(work);
    }
    Files.createDirectories(work);
    Files2.writeAtomically(workFp, fp);
    Files2.deleteRecursively(tmp);
    Files.createDirectories(tmp);
    hub.stage(s.id());
    var ctx = new StageContextImpl(s, recipe.runDir(), work, tmp, recipe.defaults(), seed, hub, services);
    LOG.info("stage {} ({}): running", s.id(), s.uses());
    long t0 = System.nanoTime();
    try {
      services.inject(s.stage());
      ((Stage) s.stage()).run(ctx, s.options());
    } catch (Exception | Error e) {
      Duration d = Duration.ofNanos(System.nanoTime() - t0);
      String msg = e instanceof Align4jException ? e.getMessage() : e.toString();
      LOG.error("stage {} ({}) failed after {}s: {}", s.id(), s.uses(), d.toSeconds(), msg, e);
      return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.FAILED, d, fp, msg);
    }
    Duration d = Duration.ofNanos(System.nanoTime() - t0);
    var required = new java.util.HashSet<String>();
    for (var port : ((Stage<?>) s.stage()).outputs()) {
      if (port.required()) {
        required.add(port.name());
      }
    }
    var produced = new LinkedHashMap<String, Path>();
    for (var out : s.outputs().entrySet()) {
      if (Files.exists(tmp.resolve(out.getKey()))) {
        produced.put(out.getKey(), out.getValue());
      } else if (required.contains(out.getKey())) {
        String msg = "stage finished without writing its output '" + out.getKey() + "'";
        LOG.error("stage {} ({}): {}", s.id(), s.uses(), msg);
        return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.FAILED, d, fp, msg);
      }
    }
    for (var out : produced.entrySet()) {
      Path target = out.getValue();
      Files.createDirectories(target.getParent());
      Files2.deleteRecursively(target);
      Files2.move(tmp.resolve(out.getKey()), target);
    }
    var marker = new LinkedHashMap<String, Object>();
    marker.put("stage", s.id());
    marker.put("uses", s.uses());
    marker.put("fingerprint", fp);
    marker.put("seconds", d.toMillis() / 1000.0);
    marker.put("finished", Instant.now().toString());
    var outs = new LinkedHashMap<String, String>();
    produced.forEach((k, v) -> outs.put(k, v.toString()));
    marker.put("outputs", outs);
    Files2.writeAtomically(meta.resolve("stages").resolve(s.id() + ".json"), JSON.writeValueAsString(marker));
    LOG.info("stage {} ({}): done in {}", s.id(), s.uses(), String.format("%.1fs", d.toMillis() / 1000.0));
    return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.RAN, d, fp, "ok");
  }

  private static boolean isDone(Path runDir, ResolvedStage s, String fp) {
    Path marker = runDir.resolve(".align4j").resolve("stages").resolve(s.id() + ".json");
    if (!Files.isRegularFile(marker)) {
      return false;
    }
    try {
      Map<?, ?> m = JSON.readValue(marker.toFile(), Map.class);
      if (!fp.equals(m.get("fingerprint")) || !(m.get("outputs") instanceof Map<?, ?> outs)) {
        return false;
      }
      // every output the stage produced is still there (optional outputs it did not write are not expected)
      return outs.values().stream().allMatch(p -> Files.exists(Path.of(String.valueOf(p))));
    } catch (IOException e) {
      return false;
    }
  }

  /** The recipe seed mixed with the stage id, so stages draw independent but reproducible streams. */
  public static long stageSeed(long seed, String stageId) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (char c : stageId.toCharArray()) {
      h = (h ^ c) * 0x100000001B3L;
    }
    return h ^ (h >>> 31);
  }

  private void writeRunRecord(ResolvedRecipe recipe, RunResult result, Instant started) throws IOException {
    var rec = new LinkedHashMap<String, Object>();
    rec.put("recipe", recipe.name());
    rec.put("source", recipe.source());
    rec.put("started", started.toString());
    rec.put("finished", Instant.now().toString());
    rec.put("ok", result.ok());
    rec.put("seed", recipe.seed());
    rec.put("versions", Versions.all());
    var st = new ArrayList<Map<String, Object>>();
    for (var o : result.stages()) {
      var m = new LinkedHashMap<String, Object>();
      m.put("id", o.id());
      m.put("uses", o.uses());
      m.put("status", o.status().name().toLowerCase());
      m.put("seconds", o.duration().toMillis() / 1000.0);
      m.put("message", o.message());
      st.add(m);
    }
    rec.put("stages", st);
    Files2.writeAtomically(recipe.runDir().resolve("run.json"), JSON.writeValueAsString(rec));
    Files.writeString(recipe.runDir().resolve("runs.jsonl"), new ObjectMapper().writeValueAsString(rec) + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
