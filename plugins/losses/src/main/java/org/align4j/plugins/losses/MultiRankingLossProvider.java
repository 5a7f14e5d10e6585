package org.align4j.plugins.losses;

import org.align4j.api.NoOptions;
import org.align4j.api.loss.RewardModelLoss;
import org.align4j.api.loss.RewardModelLossProvider;

/**
 * {@code ranking-multi}: Llama 3's margin-free ranking over 2 or 3 ranked responses per prompt (edited &gt;
 * chosen &gt; rejected), as the mean of the pairwise terms {@code -log(sigmoid(r_i - r_j))}, i ranked above j.
 */
public final class MultiRankingLossProvider implements RewardModelLossProvider<NoOptions> {
  @Override
  public String id() {
    return "ranking-multi";
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "Llama 3 reward-model loss: margin-free pairwise ranking over 2-3 ranked responses per prompt";
  }

  @Override
  public RewardModelLoss create(NoOptions options) {
    return new PairwiseRanking(null);
  }
}
