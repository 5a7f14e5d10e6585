package org.align4j.core.pipeline;

import java.nio.file.Path;
import java.util.List;

/** The result of running a recipe. */
public record RunResult(Path runDir, List<StageOutcome> stages, boolean ok) {
  public long count(StageOutcome.Status s) {
    return stages.stream().filter(o -> o.status() == s).count();
  }

  /**
   * Where stage {@code stageId}'s output {@code name} is, for a stage that ran or was up to date.
   *
   * @throws IllegalArgumentException naming what exists instead
   */
  public Path output(String stageId, String name) {
    var o = stages.stream().filter(s -> s.id().equals(stageId)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "no stage '" + stageId + "' in this run; stages: " + stages.stream().map(StageOutcome::id).toList()));
    Path p = o.outputs().get(name);
    if (p == null) {
      throw new IllegalArgumentException("stage '" + stageId + "' has no output '" + name + "' in this run ("
          + o.status().name().toLowerCase() + ")" + (o.outputs().isEmpty() ? "" : "; outputs: " + o.outputs().keySet()));
    }
    return p;
  }
}
