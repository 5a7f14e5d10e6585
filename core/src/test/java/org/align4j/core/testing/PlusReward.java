package org.align4j.core.testing;

import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;

/** Test reward that nests another: its score plus {@code add}; records the inner options it was given. */
public final class PlusReward implements RewardProvider<PlusReward.Options> {
  public record Options(@ComponentKind(RewardProvider.class) ComponentRef inner, @Default("0") double add) {}

  public static final List<Record> INNER_OPTIONS = new CopyOnWriteArrayList<>();

  @Inject Components components;

  @Override
  public String id() {
    return "test-plus";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Reward create(Options o) throws Exception {
    Components.Bound<RewardProvider<?>> bound = components.resolve(RewardProvider.class, o.inner());
    INNER_OPTIONS.add(bound.options());
    Reward inner = RewardProvider.resolve(components, o.inner());
    return (prompt, response, metadata) -> new RewardResult(inner.score(prompt, response, metadata).score() + o.add(), "plus");
  }
}
