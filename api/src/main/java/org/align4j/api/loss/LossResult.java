package org.align4j.api.loss;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A scalar loss to back-propagate plus diagnostics for the metrics sink (accuracy, margins, KL, clip
 * fraction...). Diagnostics are plain doubles, already detached; their keys are stable per loss and
 * documented on each provider.
 */
public record LossResult(Tensor loss, Map<String, Double> diagnostics) {
  public LossResult {
    diagnostics = diagnostics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
  }

  /** A diagnostic, or {@code NaN} when the loss did not report it. */
  public double diagnostic(String key) {
    Double v = diagnostics.get(key);
    return v == null ? Double.NaN : v;
  }
}
