package org.align4j.api.reward;

/**
 * A score for one response.
 *
 * @param score higher is better
 * @param label a category for reporting ({@code correct}, {@code wrong}, {@code refusal}, {@code unsafe}, ...)
 */
public record RewardResult(double score, String label) {}
