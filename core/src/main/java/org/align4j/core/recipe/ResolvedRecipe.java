package org.align4j.core.recipe;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.align4j.api.ComponentRef;
import org.align4j.api.stage.RecipeDefaults;

/**
 * A validated recipe, stages in the order they run.
 *
 * @param defaults the {@code defaults} block as written after references, with {@code device} and {@code seed}
 *     filled in (fingerprinted and recorded as they are)
 * @param settings the same block typed, fallbacks applied: what stages and engine services read
 * @param resolved the whole recipe after repeats, overrides and references (recorded in the run dir)
 * @param outputRoots the recipe's {@code output_roots}: directories outside the run directory where stage outputs
 *     may be written (absolute, normalized; empty: outputs stay inside the run directory)
 */
public record ResolvedRecipe(
    String name,
    String source,
    Path runDir,
    Map<String, Object> defaults,
    RecipeDefaults settings,
    List<ResolvedStage> stages,
    List<ComponentRef> metrics,
    Object resolved,
    List<Path> outputRoots) {
  public ResolvedRecipe {
    outputRoots = outputRoots == null ? List.of() : List.copyOf(outputRoots);
  }

  /** A recipe whose outputs stay inside its run directory. */
  public ResolvedRecipe(String name, String source, Path runDir, Map<String, Object> defaults, RecipeDefaults settings,
      List<ResolvedStage> stages, List<ComponentRef> metrics, Object resolved) {
    this(name, source, runDir, defaults, settings, stages, metrics, resolved, List.of());
  }

  public Optional<ResolvedStage> stage(String id) {
    return stages.stream().filter(s -> s.id().equals(id)).findFirst();
  }

  /**
   * This recipe cut down to {@code targets} and the stages they read from, transitively, in the same order
   * ({@code align4j run --until}): an experiment on one round of a long recipe runs that round only.
   *
   * @throws IllegalArgumentException naming a target that is not a stage of this recipe
   */
  public ResolvedRecipe upTo(Collection<String> targets) {
    var keep = new HashSet<String>();
    var todo = new ArrayDeque<String>(targets);
    while (!todo.isEmpty()) {
      String id = todo.pop();
      var s = stage(id).orElseThrow(() -> new IllegalArgumentException("no stage '" + id + "' in recipe " + name));
      if (keep.add(id)) {
        todo.addAll(s.dependsOn());
      }
    }
    var cut = stages.stream().filter(s -> keep.contains(s.id())).toList();
    return new ResolvedRecipe(name, source, runDir, defaults, settings, cut, metrics, resolved, outputRoots);
  }

  public long seed() {
    return settings.seed();
  }
}
