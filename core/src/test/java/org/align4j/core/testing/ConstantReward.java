package org.align4j.core.testing;

import org.align4j.api.Default;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;

/** Test reward: the same score for every response. */
public final class ConstantReward implements RewardProvider<ConstantReward.Options> {
  public record Options(@Default("1.0") double value) {
    public Options {
      if (value < 0) {
        throw new IllegalArgumentException("value must be >= 0, got " + value);
      }
    }
  }

  @Override
  public String id() {
    return "test-constant";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Reward create(Options o) {
    return (prompt, response, metadata) -> new RewardResult(o.value(), "constant");
  }
}
