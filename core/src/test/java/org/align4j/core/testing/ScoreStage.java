package org.align4j.core.testing;

import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Message;

/** Test stage: scores one response with the reward its options name; records what it was given. */
public final class ScoreStage implements Stage<ScoreStage.Options> {
  public record Options(@ComponentKind(RewardProvider.class) ComponentRef reward) {}

  /** What one run saw: the reward's options as Components handed them over, and the run's defaults. */
  public record Seen(Record rewardOptions, RecipeDefaults defaults) {}

  public static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

  @Inject Components components;

  @Override
  public String id() {
    return "test-score";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public List<Port> inputs() {
    return List.of();
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("score", "the reward of the response 'x'"));
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    Components.Bound<RewardProvider<?>> bound = components.resolve(RewardProvider.class, o.reward());
    SEEN.add(new Seen(bound.options(), ctx.defaults()));
    double score = RewardProvider.resolve(components, o.reward()).score(List.of(Message.user("q")), "x", Map.of()).score();
    Files.writeString(ctx.output("score"), Double.toString(score));
  }
}
