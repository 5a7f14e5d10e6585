package org.align4j.core.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened to one stage in a run.
 *
 * @param outputs output name -> path in the run directory, for a stage that ran or was skipped as up to date
 *     (optional outputs it did not write are absent); empty otherwise
 */
public record StageOutcome(String id, String uses, Status status, Duration duration, String fingerprint, String message,
    Map<String, Path> outputs) {
  public enum Status {
    RAN, SKIPPED, FAILED, NOT_RUN,
    /** A fatal JVM error (out of memory, stack overflow) stopped the stage; seen in run.json, as the run then throws. */
    INTERRUPTED
  }

  public StageOutcome {
    outputs = outputs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }
}
