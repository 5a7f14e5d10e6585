package org.align4j.api.reward;

import org.align4j.api.Provider;

/** A reward ({@code task-suite}, {@code reward-model}, {@code llama2-piecewise}). */
public interface RewardProvider<O extends Record> extends Provider<O> {
  Reward create(O options) throws Exception;
}
