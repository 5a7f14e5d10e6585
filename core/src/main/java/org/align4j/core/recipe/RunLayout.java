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
    return outputProblem(runDir, List.of(), output);
  }

  /**
   * As {@link #outputProblem(Path, Path)}, where outputs may also lie inside one of {@code roots} (the recipe's
   * {@code output_roots}: directories outside the run directory that the recipe allows outputs in). An output is never
   * a parent of the run directory, a root itself, nor inside what align4j keeps in a run directory (its own or, for an
   * output outside it, another run directory's).
   */
  public static String outputProblem(Path runDir, List<Path> roots, Path output) {
    if (output.equals(runDir)) {
      return "is the run directory itself";
    }
    if (runDir.startsWith(output)) {
      return "is " + output + ", which contains the run directory " + runDir;
    }
    if (!output.startsWith(runDir)) {
      Path root = roots.stream().filter(output::startsWith).findFirst().orElse(null);
      if (root == null) {
        return "is " + output + ", outside the run directory " + runDir
            + "; write it under the run directory (a relative path), move run_dir (--set run_dir=...), or allow outputs"
            + " in " + output.getParent() + " with the recipe key output_roots: [" + output.getParent() + "]";
      }
      if (output.equals(root)) {
        return "is " + output + ", an output root itself (output_roots); outputs go inside it, e.g. " + output.resolve("model");
      }
      for (Path p = output; p != null && p.startsWith(root); p = p.getParent()) {
        if (p.getFileName() != null && (p.getFileName().toString().equals(META) || java.nio.file.Files.isDirectory(p.resolve(META)))) {
          return "is " + output + ", inside " + p + (p.getFileName().toString().equals(META) ? ", which align4j keeps for itself"
              : ", another align4j run directory") + "; choose a path of its own";
        }
      }
      return null;
    }
    String first = runDir.relativize(output).getName(0).toString();
    if (RESERVED.contains(first)) {
      return "is " + output + ", inside '" + first + "', which align4j keeps for itself";
    }
    return null;
  }

  /**
   * Why {@code root} cannot be an entry of {@code output_roots}, or null when it can: it must lie outside the run
   * directory and not contain it (outputs would replace it), nor be or lie inside a directory align4j keeps.
   */
  public static String outputRootProblem(Path runDir, Path root) {
    if (runDir.startsWith(root)) {
      return "is " + root + ", which contains the run directory " + runDir + "; name a directory beside it instead";
    }
    if (root.startsWith(runDir)) {
      return "is " + root + ", inside the run directory " + runDir + ", where outputs need no entry; remove it";
    }
    for (Path p = root; p != null; p = p.getParent()) {
      if (p.getFileName() != null && p.getFileName().toString().equals(META)) {
        return "is " + root + ", inside " + p + ", which align4j keeps for itself";
      }
    }
    return null;
  }
}
