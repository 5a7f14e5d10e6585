package org.align4j.core.metrics;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.metrics.MetricsSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans every scalar out to the run's sinks, tagged with the stage that is running. */
public final class MetricsHub implements Metrics, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsHub.class);
  private final List<MetricsSink> sinks = new ArrayList<>();
  private volatile String stage = "-";

  public void add(MetricsSink sink) {
    sinks.add(sink);
  }

  public void stage(String stageId) {
    this.stage = stageId;
  }

  /** A view that reports under a fixed stage id (for a stage's context). */
  public Metrics forStage(String stageId) {
    return (name, value, step) -> report(stageId, name, value, step);
  }

  @Override
  public void scalar(String name, double value, long step) {
    report(stage, name, value, step);
  }

  private synchronized void report(String st, String name, double value, long step) {
    long now = System.currentTimeMillis();
    for (MetricsSink s : sinks) {
      try {
        s.scalar(st, name, step, value, now);
      } catch (RuntimeException e) {
        LOG.warn("metrics sink {} failed: {}", s.getClass().getSimpleName(), e.toString());
      }
    }
  }

  public synchronized void flush() {
    sinks.forEach(MetricsSink::flush);
  }

  @Override
  public synchronized void close() {
    for (MetricsSink s : sinks) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("closing metrics sink failed: {}", e.toString());
      }
    }
    sinks.clear();
  }
}
