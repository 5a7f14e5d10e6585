package org.align4j.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.align4j.api.ComponentRef;
import org.align4j.api.metrics.MetricsSink;
import org.align4j.api.metrics.MetricsSinkProvider;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.engine.Distributed;
import org.align4j.core.Versions;
import org.align4j.core.engine.dist.DataParallel;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.ResolvedRecipe;
import org.align4j.core.recipe.ResolvedStage;
import org.align4j.core.recipe.RunLayout;
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
 *   recipe.resolved.yaml   the recipe as the latest run ran it (repeats expanded, references resolved)
 *   run.json               versions, seed, stage outcomes, outputs and timings of the latest run
 *   runs.jsonl             one line per run (history), each naming its resolved recipe in .align4j/history/
 *   metrics.csv ...        written by the metrics sinks
 *   logs/                  written by the launcher's log configuration
 *   &lt;outputs&gt;              as declared by the stages
 *   .align4j/stages/&lt;id&gt;.json   done markers   .align4j/work/&lt;id&gt;/  checkpoints   .align4j/tmp/  outputs in flight
 *   .align4j/history/recipe.resolved.&lt;hash&gt;.yaml   every distinct resolved recipe of earlier runs
 * </pre>
 *
 * An output is replaced only once its new version is complete beside it (see {@link AtomicFiles#replace}), and
 * the recipe loader refuses output paths that would replace anything but the output ({@link RunLayout}).
 *
 * <p>Several ranks (WORLD_SIZE &gt; 1, see {@link DataParallel#launch}) share one run directory: rank 0 owns the
 * lock, decides before each stage whether it runs or is skipped and tells the others, publishes the outputs and
 * writes markers, run records and metrics; every other rank runs the same stages with its work directory and outputs
 * in {@code .align4j/ranks/rank-R/} (scratch, never published) and reads the inputs rank 0 published. A multi-node
 * run needs the run directory on a file system every node sees.
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
      Map<String, Path> done = upstreamReruns ? null : finishedOutputs(recipe.runDir(), s, fp);
      if (done == null) {
        reran.add(s.id());
      }
      out.add(new StageOutcome(s.id(), s.uses(), done != null ? StageOutcome.Status.SKIPPED : StageOutcome.Status.NOT_RUN,
          Duration.ZERO, fp, done != null ? "finished earlier with the same inputs and options" : "would run", done));
    }
    return out;
  }

  public RunResult run(ResolvedRecipe recipe) {
    return run(recipe, Set.of());
  }

  /**
   * Runs the stages that are not up to date. An ordinary exception in a stage makes it FAILED; a fatal JVM
   * error ({@link VirtualMachineError}: out of memory, stack overflow) is thrown on after run.json and
   * runs.jsonl record the stage as interrupted, since the JVM cannot be trusted to go on.
   *
   * @param force stage ids to run even if finished
   * @throws Align4jException when the run directory cannot be locked or its own files cannot be written (the
   *     message names the file and why)
   */
  public RunResult run(ResolvedRecipe recipe, Set<String> force) {
    DataParallel group = DataParallel.launch(recipe.settings().device());
    Distributed dist = group != null ? group : Distributed.single();
    if (!dist.isMain()) {
      return runFollower(recipe, dist);
    }
    Path runDir = recipe.runDir();
    Path meta = runDir.resolve(RunLayout.META);
    Path lockFile = meta.resolve("lock");
    try {
      Files.createDirectories(meta);
    } catch (IOException e) {
      throw new Align4jException("cannot create run directory " + runDir + ": " + AtomicFiles.reason(e), e);
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
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
      // closing the channel releases the lock, also when a stage throws a fatal error
      return runLocked(recipe, force, dist);
    } catch (IOException e) {
      throw new Align4jException("cannot lock run directory " + runDir + " (" + lockFile + "): " + AtomicFiles.reason(e), e);
    }
  }

  /** What rank 0 tells the other ranks before each stage. */
  private record Decision(String stage, boolean run, String fingerprint) implements java.io.Serializable {}

  /**
   * A rank other than 0: runs the stages rank 0 runs, in the same order, with its work and outputs in scratch
   * ({@code .align4j/ranks/rank-R/}), reading the inputs rank 0 published. It never locks, records or publishes
   * anything; a stage that fails here ends the rank (an exception), and the launcher ends the others.
   */
  private RunResult runFollower(ResolvedRecipe recipe, Distributed dist) {
    var outcomes = new ArrayList<StageOutcome>();
    try (MetricsHub hub = new MetricsHub()) {
      var services = new Services(registry, recipe.settings(), hub);
      for (ResolvedStage s : recipe.stages()) {
        Decision d = dist.<Decision>allGather(null).get(0);
        if (!d.stage().equals(s.id())) {
          throw new Align4jException("rank " + dist.rank() + " expected stage '" + s.id() + "' but rank 0 runs '"
              + d.stage() + "'; every rank must run the same recipe with the same --set values");
        }
        if (!d.run()) {
          outcomes.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.SKIPPED, Duration.ZERO, d.fingerprint(),
              "up to date", Map.of()));
          continue;
        }
        StageOutcome o;
        try {
          o = runStage(recipe, s, d.fingerprint(), stageSeed(recipe.seed(), s.id()), hub, services, dist);
        } catch (IOException e) {
          throw new Align4jException("stage " + s.id() + " on rank " + dist.rank() + ": " + e.getMessage(), e);
        }
        if (o.status() != StageOutcome.Status.RAN) {
          throw new Align4jException("stage " + s.id() + " (" + s.uses() + ") failed on rank " + dist.rank() + ": "
              + o.message());
        }
        outcomes.add(o);
        dist.allGather(Boolean.TRUE); // rank 0 has published the outputs
      }
    }
    return new RunResult(recipe.runDir(), List.copyOf(outcomes), true);
  }

  /** Scratch of rank {@code rank} (> 0) in the run directory: its stages' work and outputs, never published. */
  public static Path rankScratch(Path runDir, int rank) {
    return runDir.resolve(RunLayout.META).resolve("ranks").resolve("rank-" + rank);
  }

  private RunResult runLocked(ResolvedRecipe recipe, Set<String> force, Distributed dist) {
    Path runDir = recipe.runDir();
    Instant started = Instant.now();
    recoverInterruptedWrites(recipe);
    String resolvedRecipe = recordResolvedRecipe(recipe);
    var outcomes = new ArrayList<StageOutcome>();
    var fps = new HashMap<String, String>();
    var reran = new java.util.HashSet<String>();
    boolean ok = true;
    try (MetricsHub hub = new MetricsHub()) {
      var binder = new OptionsBinder(registry);
      for (var ref : recipe.metrics()) {
        var e = registry.find(MetricsSinkProvider.class, ref.uses()).orElseThrow();
        try {
          hub.add(openSink((MetricsSinkProvider<?>) e.provider(), runDir, ref, binder));
        } catch (IOException io) {
          throw new Align4jException("metrics sink '" + ref.uses() + "' cannot open its file in " + runDir + ": "
              + (io.getMessage() != null ? io.getMessage() : io.toString()), io);
        }
      }
      var services = new Services(registry, recipe.settings(), hub);
      LOG.info("run '{}' in {} ({} stages)", recipe.name(), runDir, recipe.stages().size());
      for (ResolvedStage s : recipe.stages()) {
        if (!ok) {
          outcomes.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.NOT_RUN, Duration.ZERO, null,
              "an earlier stage failed", Map.of()));
          continue;
        }
        long seed = stageSeed(recipe.seed(), s.id());
        String fp = Fingerprints.of(s, recipe.runDir(), recipe.defaults(), seed, fps);
        fps.put(s.id(), fp);
        boolean upstreamReran = s.dependsOn().stream().anyMatch(reran::contains);
        Map<String, Path> done = force.contains(s.id()) || upstreamReran ? null : finishedOutputs(runDir, s, fp);
        if (dist.worldSize() > 1) {
          dist.allGather(new Decision(s.id(), done == null, fp)); // the other ranks skip and run what rank 0 does
        }
        if (done != null) {
          LOG.info("stage {} ({}): skipped, finished earlier with the same inputs and options", s.id(), s.uses());
          outcomes.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.SKIPPED, Duration.ZERO, fp, "up to date", done));
          continue;
        }
        reran.add(s.id());
        long t0 = System.nanoTime();
        StageOutcome outcome;
        try {
          outcome = runStage(recipe, s, fp, seed, hub, services, dist);
        } catch (IOException e) {
          // setting up the stage's directories or writing its marker failed; the message names the path
          String msg = e.getMessage() != null ? e.getMessage() : e.toString();
          LOG.error("stage {} ({}) failed: {}", s.id(), s.uses(), msg, e);
          outcome = new StageOutcome(s.id(), s.uses(), StageOutcome.Status.FAILED, Duration.ofNanos(System.nanoTime() - t0),
              fp, msg, Map.of());
        } catch (VirtualMachineError fatal) {
          throw interrupted(recipe, s, fp, Duration.ofNanos(System.nanoTime() - t0), outcomes, started, resolvedRecipe, fatal);
        }
        outcomes.add(outcome);
        ok = outcome.status() == StageOutcome.Status.RAN;
        hub.flush();
        if (ok && dist.worldSize() > 1) {
          dist.allGather(Boolean.TRUE); // the outputs are published: the other ranks may read them
        }
      }
    }
    var result = new RunResult(runDir, List.copyOf(outcomes), ok);
    writeRunRecord(recipe, result, started, resolvedRecipe);
    return result;
  }

  /** Runs {@code stage} with {@code options} as its own options type (the record bound for it at validation). */
  private static <O extends Record> void runWithOptions(Stage<O> stage, StageContext ctx, Record options) throws Exception {
    stage.run(ctx, stage.optionsType().cast(options));
  }

  private static <O extends Record> MetricsSink openSink(MetricsSinkProvider<O> p, Path runDir, ComponentRef ref,
      OptionsBinder binder) throws IOException {
    return p.open(runDir, binder.optionsOf(p, ref, "metrics sink " + ref.uses()));
  }

  /**
   * Records a run stopped by a fatal error (the stage as interrupted, the later ones as not run) so that the
   * next run resumes from it, then returns the error to throw on. Writing may itself fail this close to the
   * memory limit; that failure is attached to the error, never thrown instead of it.
   */
  private VirtualMachineError interrupted(ResolvedRecipe recipe, ResolvedStage s, String fp, Duration d,
      List<StageOutcome> outcomes, Instant started, String resolvedRecipe, VirtualMachineError fatal) {
    try {
      var all = new ArrayList<>(outcomes);
      all.add(new StageOutcome(s.id(), s.uses(), StageOutcome.Status.INTERRUPTED, d, fp, fatal.toString(), Map.of()));
      for (var later : recipe.stages().subList(recipe.stages().indexOf(s) + 1, recipe.stages().size())) {
        all.add(new StageOutcome(later.id(), later.uses(), StageOutcome.Status.NOT_RUN, Duration.ZERO, null,
            "the run was interrupted", Map.of()));
      }
      writeRunRecord(recipe, new RunResult(recipe.runDir(), all, false), started, resolvedRecipe);
      LOG.error("stage {} ({}) interrupted by {}; run.json records it, the next run resumes from here", s.id(), s.uses(),
          fatal.toString(), fatal);
    } catch (Throwable t) {
      fatal.addSuppressed(t);
    }
    return fatal;
  }

  private StageOutcome runStage(ResolvedRecipe recipe, ResolvedStage s, String fp, long seed, MetricsHub hub,
      Services services, Distributed dist) throws IOException {
    Path runDir = recipe.runDir();
    Path meta = runDir.resolve(RunLayout.META);
    Path own = dist.isMain() ? meta : rankScratch(runDir, dist.rank());
    Path work = own.resolve("work").resolve(s.id());
    Path tmp = own.resolve("tmp").resolve(s.id());
    Path workFp = work.resolve(".fingerprint");
    if (Files.exists(workFp) && !Files.readString(workFp).equals(fp)) {
      LOG.info("stage {}: inputs or options changed since its checkpoints were written; starting it afresh", s.id());
      AtomicFiles.deleteTree(work);
    }
    Files.createDirectories(work);
    AtomicFiles.writeString(workFp, fp);
    AtomicFiles.deleteTree(tmp);
    Files.createDirectories(tmp);
    hub.stage(s.id());
    var ctx = new StageContextImpl(s, runDir, work, tmp, recipe.settings(), seed, hub, services);
    LOG.info("stage {} ({}): running", s.id(), s.uses());
    long t0 = System.nanoTime();
    try {
      // a fresh provider per run: its injected services are this run's, never another concurrent run's
      Stage<?> stage = org.align4j.core.plugin.ProviderEntry.fresh(s.stage());
      services.inject(stage);
      runWithOptions(stage, ctx, s.options());
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Exception | Error e) {
      // every other Error too (an AssertionError, a plugin's NoClassDefFoundError): the stage failed, the JVM is fine
      Duration d = Duration.ofNanos(System.nanoTime() - t0);
      String msg = failureMessage(e);
      LOG.error("stage {} ({}) failed after {}s: {}", s.id(), s.uses(), d.toSeconds(), msg, e);
      return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.FAILED, d, fp, msg, Map.of());
    }
    Duration d = Duration.ofNanos(System.nanoTime() - t0);
    if (!dist.isMain()) {
      LOG.info("stage {} ({}): done on rank {} in {}; rank 0 publishes its outputs", s.id(), s.uses(), dist.rank(),
          String.format("%.1fs", d.toMillis() / 1000.0));
      return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.RAN, d, fp, "ok", Map.of());
    }
    var required = new java.util.HashSet<String>();
    for (var port : s.stage().outputs()) {
      if (port.required()) {
        required.add(port.name());
      }
    }
    var produced = new LinkedHashMap<String, Path>();
    for (var out : s.outputs().entrySet()) {
      if (Files.exists(tmp.resolve(out.getKey()))) {
        produced.put(out.getKey(), out.getValue());
      } else if (required.contains(out.getKey())) {
        return failed(s, d, fp, "stage finished without writing its output '" + out.getKey() + "'");
      }
    }
    for (var out : produced.entrySet()) {
      // checked at load too; again here because a ResolvedRecipe can be built by hand and replacing is recursive
      String bad = RunLayout.outputProblem(runDir, recipe.outputRoots(), out.getValue());
      if (bad != null) {
        return failed(s, d, fp, "refusing to publish output '" + out.getKey() + "': it " + bad);
      }
    }
    for (var out : produced.entrySet()) {
      try {
        AtomicFiles.replace(tmp.resolve(out.getKey()), out.getValue());
      } catch (IOException e) {
        return failed(s, d, fp, "output '" + out.getKey() + "': " + e.getMessage());
      }
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
    AtomicFiles.writeString(meta.resolve("stages").resolve(s.id() + ".json"), JSON.writeValueAsString(marker));
    LOG.info("stage {} ({}): done in {}", s.id(), s.uses(), String.format("%.1fs", d.toMillis() / 1000.0));
    return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.RAN, d, fp, "ok", produced);
  }

  /**
   * What a run killed in the middle of a write or of replacing an output left ({@link AtomicFiles#recover}): before
   * the finished stages are looked up, so an output renamed aside and not yet replaced is back in place.
   */
  private static void recoverInterruptedWrites(ResolvedRecipe recipe) {
    Path runDir = recipe.runDir();
    var dirs = new java.util.LinkedHashSet<Path>(List.of(runDir, runDir.resolve(RunLayout.META),
        runDir.resolve(RunLayout.META).resolve("stages"), RunLayout.history(runDir)));
    for (var s : recipe.stages()) {
      s.outputs().values().forEach(p -> dirs.add(p.toAbsolutePath().getParent()));
    }
    for (Path d : dirs) {
      try {
        AtomicFiles.recoverAll(d);
      } catch (IOException e) {
        throw new Align4jException(e.getMessage() + "; remove or restore it by hand", e);
      }
    }
  }

  /**
   * A stage failure in one line: the cause inside Guice's and reflection's wrappers (a device the injector could not
   * provide is the device's message, not a Guice report), its message when it is align4j's own.
   */
  static String failureMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && (t.getClass().getName().startsWith("com.google.inject.")
        || t instanceof java.lang.reflect.InvocationTargetException || t instanceof java.io.UncheckedIOException)) {
      t = t.getCause();
    }
    // libtorch's errors carry its C++ stack after the first line; that goes to the log with the Java trace
    String m = t instanceof Align4jException ? t.getMessage() : t.toString();
    return m == null ? t.getClass().getName() : m.lines().findFirst().orElse(m);
  }

  private static StageOutcome failed(ResolvedStage s, Duration d, String fp, String msg) {
    LOG.error("stage {} ({}): {}", s.id(), s.uses(), msg);
    return new StageOutcome(s.id(), s.uses(), StageOutcome.Status.FAILED, d, fp, msg, Map.of());
  }

  /** The outputs of a stage finished earlier with fingerprint {@code fp}, or null when it must run. */
  private static Map<String, Path> finishedOutputs(Path runDir, ResolvedStage s, String fp) {
    Path marker = runDir.resolve(RunLayout.META).resolve("stages").resolve(s.id() + ".json");
    if (!Files.isRegularFile(marker)) {
      return null;
    }
    try {
      Map<?, ?> m = JSON.readValue(marker.toFile(), Map.class);
      if (!fp.equals(m.get("fingerprint")) || !(m.get("outputs") instanceof Map<?, ?> outs)) {
        return null;
      }
      // every output the stage produced is still there (optional outputs it did not write are not expected)
      var found = new LinkedHashMap<String, Path>();
      for (var e : outs.entrySet()) {
        Path p = Path.of(String.valueOf(e.getValue()));
        if (!Files.exists(p)) {
          return null;
        }
        found.put(String.valueOf(e.getKey()), p);
      }
      return found;
    } catch (IOException e) {
      return null;
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

  /**
   * Writes the resolved recipe as {@code recipe.resolved.yaml} and keeps every distinct one (this run's and,
   * if it is not kept yet, the previous file's) under {@code .align4j/history/} by content hash, so a later run
   * never loses an earlier run's recipe. Returns this run's history path relative to the run directory, for
   * its line in runs.jsonl.
   */
  private static String recordResolvedRecipe(ResolvedRecipe recipe) {
    Path runDir = recipe.runDir();
    Path latest = runDir.resolve(RunLayout.RESOLVED_RECIPE);
    Path history = RunLayout.history(runDir);
    String yaml;
    try {
      yaml = YAML.writeValueAsString(recipe.resolved());
    } catch (IOException e) {
      throw new IllegalStateException("the resolved recipe cannot be written as YAML", e);
    }
    Path mine = history.resolve(historyName(yaml.getBytes(StandardCharsets.UTF_8)));
    try {
      if (Files.isRegularFile(latest)) {
        byte[] previous = Files.readAllBytes(latest);
        Path kept = history.resolve(historyName(previous));
        if (!Files.exists(kept)) {
          AtomicFiles.write(kept, ch -> ch.write(java.nio.ByteBuffer.wrap(previous)));
        }
      }
      if (!Files.exists(mine)) {
        AtomicFiles.writeString(mine, yaml);
      }
      AtomicFiles.writeString(latest, yaml);
    } catch (IOException e) {
      throw new Align4jException(e.getMessage(), e);
    }
    return runDir.relativize(mine).toString();
  }

  private static String historyName(byte[] content) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(content);
      return "recipe.resolved." + java.util.HexFormat.of().formatHex(h, 0, 6) + ".yaml";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Appends this run to runs.jsonl (the history) and writes run.json (the latest run); both are tried. */
  private void writeRunRecord(ResolvedRecipe recipe, RunResult result, Instant started, String resolvedRecipe) {
    var rec = new LinkedHashMap<String, Object>();
    rec.put("recipe", recipe.name());
    rec.put("source", recipe.source());
    rec.put("recipe_resolved", resolvedRecipe);
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
      if (!o.outputs().isEmpty()) {
        var outs = new LinkedHashMap<String, String>();
        o.outputs().forEach((k, v) -> outs.put(k, v.toString()));
        m.put("outputs", outs);
      }
      st.add(m);
    }
    rec.put("stages", st);
    IOException first = null;
    try {
      AtomicFiles.append(recipe.runDir().resolve(RunLayout.RUN_HISTORY), new ObjectMapper().writeValueAsString(rec) + "\n");
    } catch (IOException e) {
      first = e;
    }
    try {
      AtomicFiles.writeString(recipe.runDir().resolve(RunLayout.RUN_RECORD), JSON.writeValueAsString(rec));
    } catch (IOException e) {
      if (first == null) {
        first = e;
      } else {
        first.addSuppressed(e);
      }
    }
    if (first != null) {
      throw new Align4jException(first.getMessage() + " (the stages' outputs are in place; the next run skips them)", first);
    }
  }
}
