package org.align4j.core.recipe;

import java.nio.file.Path;
import java.util.List;

/**
 * What align4j itself keeps in a run directory. The recipe loader refuses stage outputs on these paths and
 * the runner checks again before it replaces an output, because replacing one replaces everything under it.
 */
public final class RunLayout {
  /** Done markers, checkpoints, outputs in flight, the lock, the history of resolved recipes. */
  public static final String META = ".align4j";
  /** The launcher's log files. */
  public static final String LOGS = "logs";
  public static final String RESOLVED_RECIPE = "recipe.resolved.yaml";
  public static final String RUN_RECORD = "run.json";
  public static final String RUN_HISTORY = "runs.jsonl";
  static final List<String> RESERVED = List.of(META, LOGS, RESOLVED_RECIPE, RUN_RECORD, RUN_HISTORY);

  private RunLayout() {}

  /** Where earlier runs' resolved recipes are kept. */
  public static Path history(Path runDir) {
    return runDir.resolve(META).resolve("history");
  }

  /**
   * Why {@code output} cannot be a stage output in {@code runDir} (both absolute and normalized), as the end of
   * a sentence "output 'x' of stage 'y' ...", or null when it can.
   */
  public static String outputProblem(Path runDir, Path output) {
    if (output.equals(runDir)) {
      return "is the run directory itself";
    }
    if (runDir.startsWith(output)) {
      return "is " + output + ", which contains the run directory " + runDir;
    }
    if (!output.startsWith(runDir)) {
      return "is " + output + ", outside the run directory " + runDir
          + "; write it under the run directory (a relative path) or move run_dir (--set run_dir=...)";
    }
    String first = runDir.relativize(output).getName(0).toString();
    if (RESERVED.contains(first)) {
      return "is " + output + ", inside '" + first + "', which align4j keeps for itself";
    }
    return null;
  }
}
