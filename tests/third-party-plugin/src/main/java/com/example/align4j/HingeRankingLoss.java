package com.example.align4j;

import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.RewardModelLoss;
import org.align4j.api.loss.RewardModelLossProvider;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A reward-model loss a third party adds in one class: mean(max(0, margin - (s_better - s_worse))). */
@ProviderInfo(id = "hinge",
    description = "hinge ranking loss max(0, margin - (r_chosen - r_rejected)) (example third-party plugin)")
public final class HingeRankingLoss implements RewardModelLossProvider<HingeRankingLoss.Options> {
  public record Options(@Doc("required score gap") @Default("1.0") double margin) {
    public Options {
      if (margin < 0) {
        throw new IllegalArgumentException("margin must be >= 0, got " + margin);
      }
    }
  }

  @Override
  public RewardModelLoss create(Options o) {
    return batch -> {
      Tensor scores = batch.scores();
      Tensor gap = scores.select(1, 0).sub(scores.select(1, 1));
      Tensor loss = torch.relu(gap.neg().add(new Scalar(o.margin()))).mean();
      double acc = gap.gt(new Scalar(0.0)).to(torch.ScalarType.Float).mean().item_double();
      return new LossResult(loss, Map.of("accuracy", acc, "margin", gap.mean().item_double()));
    };
  }
}
