package org.align4j.plugins.rlhf;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.align4j.api.Default;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/**
 * {@code test-chars}, except that the {@code FAIL_AT}-th batch scored in this JVM throws once (a simulated crash);
 * batches scored after that are counted in {@code CALLS_AFTER_RESUME}.
 */
public final class FailingCharReward implements RewardProvider<FailingCharReward.Options> {
  static final AtomicInteger FAIL_AT = new AtomicInteger();
  static final AtomicInteger CALLS = new AtomicInteger();
  static final AtomicInteger CALLS_AFTER_RESUME = new AtomicInteger();
  private static volatile boolean crashed;

  public record Options(@Default("e") String character) {}

  @Override
  public String id() {
    return "test-failing-chars";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Reward create(Options o) {
    return new Reward() {
      @Override
      public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
        return new RewardResult(CharCountRewardProvider.count(response, o.character()), "chars");
      }

      @Override
      public List<RewardResult> scoreAll(List<List<Message>> prompts, List<String> responses,
          List<Map<String, String>> metadata) {
        if (crashed) {
          CALLS_AFTER_RESUME.incrementAndGet();
        } else if (CALLS.incrementAndGet() == FAIL_AT.get()) {
          crashed = true;
          throw new IllegalStateException("simulated crash while scoring batch " + FAIL_AT.get());
        }
        return Reward.super.scoreAll(prompts, responses, metadata);
      }
    };
  }
}
