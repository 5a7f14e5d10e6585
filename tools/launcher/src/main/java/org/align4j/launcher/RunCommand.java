package org.align4j.launcher;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.core.metrics.ProgressReporter;
import org.align4j.core.pipeline.PipelineRunner;
import org.align4j.core.pipeline.RunResult;
import org.align4j.core.pipeline.StageOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run a recipe. Finished stages whose inputs and options are unchanged are skipped, so an"
        + " interrupted run resumes where it stopped."})
final class RunCommand implements Callable<Integer> {
  @Mixin RecipeOptions recipe = new RecipeOptions();
  @Mixin LaunchOptions launch = new LaunchOptions();
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "validate and show which stages would run or be skipped")
  boolean dryRun;

  @Option(names = "--force", paramLabel = "STAGE", split = ",", description = "run these stages even if finished")
  List<String> force = List.of();

  @Option(names = "--until", paramLabel = "STAGE", split = ",",
      description = "run only these stages and the stages they read from (the rest of the recipe is left as it is)")
  List<String> until = List.of();

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    var registry = Cli.registry(recipe.plugins);
    var r = Cli.load(recipe, registry, err, "align4j run");
    if (r == null) {
      return Main.USAGE;
    }
    for (String f : force) {
      if (r.stage(f).isEmpty()) {
        err.println("align4j run: --force names unknown stage '" + f + "'");
        return Main.USAGE;
      }
    }
    if (!until.isEmpty()) {
      try {
        r = r.upTo(until);
      } catch (IllegalArgumentException e) {
        err.println("align4j run: --until: " + e.getMessage());
        return Main.USAGE;
      }
    }
    var runner = new PipelineRunner(registry);
    if (launch.check().distributed() && !dryRun) {
      if (System.getenv("WORLD_SIZE") != null) {
        err.println("align4j run: WORLD_SIZE is set (this process is a rank of another launcher); drop --nproc-per-node"
            + " and --nnodes, or unset RANK/WORLD_SIZE to launch ranks from here");
        return Main.USAGE;
      }
      try {
        return new RankLauncher(childArgs(), launch, out, err).run();
      } catch (java.io.IOException e) {
        err.println("align4j run: cannot start the ranks: " + e.getMessage());
        return Main.FAILED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Main.FAILED;
      }
    }
    int rank = org.align4j.core.engine.dist.DataParallel.environmentRank();
    if (dryRun) {
      out.println("dry run of " + recipe.recipe + " in " + r.runDir() + ":");
      for (var o : runner.plan(r)) {
        boolean forced = force.contains(o.id());
        out.printf("  %-24s %-20s %s%n", o.id(), "(" + o.uses() + ")",
            forced ? "would run (--force)" : o.status() == StageOutcome.Status.SKIPPED ? "skip: " + o.message() : "would run");
      }
      return Main.OK;
    }
    RunLog.attach(r.runDir(), rank);
    if (System.console() != null && System.getenv("CI") == null) {
      ProgressReporter.terminal(s -> {
        err.print(s);
        err.flush();
      });
    }
    RunResult result;
    try {
      result = runner.run(r, new HashSet<>(force));
    } catch (Align4jException e) {
      err.println("align4j run: " + Errors.message(e));
      return Main.FAILED;
    } catch (VirtualMachineError e) {
      // the runner has recorded the stage as interrupted (run.json) and logged the trace; the JVM exits after this
      err.println("align4j run: " + e + "; run.json marks the stage interrupted and the same command resumes the run"
          + (e instanceof OutOfMemoryError ? " (more memory: ALIGN4J_JAVA_OPTS=-Xmx...)" : ""));
      return Main.FAILED;
    }
    if (rank != 0) {
      return result.ok() ? Main.OK : Main.FAILED; // rank 0 reports the run
    }
    out.println();
    out.println("run '" + r.name() + "' " + (result.ok() ? "finished" : "FAILED") + " in " + r.runDir());
    for (var o : result.stages()) {
      out.printf("  %-24s %-8s %7.1fs  %s%n", o.id(), o.status().name().toLowerCase(), o.duration().toMillis() / 1000.0,
          o.status() == StageOutcome.Status.FAILED ? o.message() : "");
    }
    Path report = r.runDir().resolve("report.html");
    if (java.nio.file.Files.exists(report)) {
      out.println("report: " + report);
    }
    out.println("logs: " + r.runDir().resolve("logs/align4j.log"));
    return result.ok() ? Main.OK : Main.FAILED;
  }

  /** This command for a rank: the recipe and its options, without the launcher's own. */
  private List<String> childArgs() {
    var a = new java.util.ArrayList<String>(List.of("run", recipe.recipe.toString()));
    recipe.sets.forEach(x -> a.addAll(List.of("--set", x)));
    recipe.plugins.forEach(x -> a.addAll(List.of("--plugins", x.toString())));
    if (!force.isEmpty()) {
      a.addAll(List.of("--force", String.join(",", force)));
    }
    if (!until.isEmpty()) {
      a.addAll(List.of("--until", String.join(",", until)));
    }
    return a;
  }
}
