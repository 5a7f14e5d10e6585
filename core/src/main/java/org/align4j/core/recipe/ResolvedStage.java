package org.align4j.core.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.stage.Stage;

/**
 * A stage of a validated recipe: provider found, options bound, references resolved.
 *
 * @param id the stage id in the recipe
 * @param uses the provider id
 * @param stage the provider
 * @param options the bound options record
 * @param optionsPlain the options as written (after interpolation), for fingerprints and the run record
 * @param inputs input name -> where it comes from
 * @param outputs output name -> final path
 * @param dependsOn ids of the stages whose outputs this stage reads (or that it must run after)
 */
public record ResolvedStage(
    String id,
    String uses,
    Stage<?> stage,
    Record options,
    Object optionsPlain,
    Map<String, Input> inputs,
    Map<String, Path> outputs,
    Set<String> dependsOn,
    Location location) {

  /** An input: a path, produced by {@code fromStage}'s {@code fromOutput} or given by the user. */
  public record Input(Path path, String fromStage, String fromOutput) {}

  public List<String> outputNames() {
    return List.copyOf(outputs.keySet());
  }
}
