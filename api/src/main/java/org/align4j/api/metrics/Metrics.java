package org.align4j.api.metrics;

import java.util.Map;

/** Where a provider reports scalars; fanned out to every configured {@link MetricsSink}. */
public interface Metrics {
  void scalar(String name, double value, long step);

  default void scalars(Map<String, Double> values, long step) {
    values.forEach((k, v) -> scalar(k, v, step));
  }
}
