package org.align4j.api.metrics;

/** Receives every scalar of a run. Called from one thread at a time. */
public interface MetricsSink extends AutoCloseable {
  /**
   * @param stage the stage id in the recipe
   * @param name metric name ({@code train/loss})
   * @param step the stage's step
   * @param value the value
   * @param wallMillis wall-clock time of the report
   */
  void scalar(String stage, String name, long step, double value, long wallMillis);

  default void flush() {}

  @Override
  default void close() {
    flush();
  }
}
