package org.align4j.core.pipeline;

import java.nio.file.Path;
import java.util.List;

/** The result of running a recipe. */
public record RunResult(Path runDir, List<StageOutcome> stages, boolean ok) {
  public long count(StageOutcome.Status s) {
    return stages.stream().filter(o -> o.status() == s).count();
  }
}
