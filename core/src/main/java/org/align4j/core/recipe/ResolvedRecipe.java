package org.align4j.core.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.align4j.api.ComponentRef;

/**
 * A validated recipe, stages in the order they run.
 *
 * @param resolved the whole recipe after repeats, overrides and references (recorded in the run dir)
 */
public record ResolvedRecipe(
    String name,
    String source,
    Path runDir,
    Map<String, Object> defaults,
    List<ResolvedStage> stages,
    List<ComponentRef> metrics,
    Object resolved) {

  public Optional<ResolvedStage> stage(String id) {
    return stages.stream().filter(s -> s.id().equals(id)).findFirst();
  }

  public long seed() {
    Object s = defaults.get("seed");
    return s instanceof Number n ? n.longValue() : 17L;
  }
}
