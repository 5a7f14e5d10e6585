package org.align4j.plugins.rlhf;

import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/** A program reward for tests: how often a character occurs in the response. */
public final class CharCountRewardProvider implements RewardProvider<CharCountRewardProvider.Options> {
  public record Options(@Default("e") String character) {}

  @Override
  public String id() {
    return "test-chars";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  static double count(String response, String c) {
    return response.chars().filter(x -> x == c.charAt(0)).count();
  }

  @Override
  public Reward create(Options o) {
    return new Reward() {
      @Override
      public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
        return new RewardResult(count(response, o.character()), "chars");
      }
    };
  }
}
