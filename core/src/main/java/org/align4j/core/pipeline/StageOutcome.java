package org.align4j.core.pipeline;

import java.time.Duration;

/** What happened to one stage in a run. */
public record StageOutcome(String id, String uses, Status status, Duration duration, String fingerprint, String message) {
  public enum Status { RAN, SKIPPED, FAILED, NOT_RUN }
}
