package org.align4j.plugins.rlhf;

import org.align4j.api.Doc;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;

/** Test-only reward {@code test-key}: the number stored in the row metadata under {@code key}. */
public final class KeyRewardProvider implements RewardProvider<KeyRewardProvider.Options> {
  public record Options(@Doc("metadata key") String key) {
    public Options {
      if (key == null) {
        throw new IllegalArgumentException("key is required");
      }
    }
  }

  @Override
  public String id() {
    return "test-key";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Reward create(Options o) {
    return (prompt, response, metadata) -> new RewardResult(Double.parseDouble(metadata.get(o.key())), o.key());
  }
}
