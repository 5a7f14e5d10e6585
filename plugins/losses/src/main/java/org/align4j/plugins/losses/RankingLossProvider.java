package org.align4j.plugins.losses;

import org.align4j.api.loss.RewardModelLoss;
import org.align4j.api.loss.RewardModelLossProvider;

/** {@code ranking}: Llama 2's binary ranking loss with a margin that depends on the rating. */
public final class RankingLossProvider implements RewardModelLossProvider<RankingOptions> {
  @Override
  public String id() {
    return "ranking";
  }

  @Override
  public Class<RankingOptions> optionsType() {
    return RankingOptions.class;
  }

  @Override
  public String description() {
    return "Llama 2 reward-model loss -log(sigmoid(r_chosen - r_rejected - m(rating))), margin table small/large/none"
        + " or explicit";
  }

  @Override
  public RewardModelLoss create(RankingOptions options) {
    return new PairwiseRanking(options.table());
  }
}
