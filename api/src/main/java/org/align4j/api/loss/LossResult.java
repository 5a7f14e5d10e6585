package org.align4j.api.loss;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A scalar loss to back-propagate plus diagnostics for the metrics sink (accuracy, margins, KL, clip
 * fraction...). Diagnostics are plain doubles, already detached.
 */
public record LossResult(Tensor loss, Map<String, Double> diagnostics) {}
