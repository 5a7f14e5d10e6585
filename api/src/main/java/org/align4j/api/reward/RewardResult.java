package org.align4j.api.reward;

/**
 * A score for one response (serialisable, so ranks that score a share of the responses can gather them).
 *
 * @param score higher is better
 * @param label a category for reporting ({@code correct}, {@code wrong}, {@code refusal}, {@code unsafe}, ...)
 */
public record RewardResult(double score, String label) implements java.io.Serializable {}
