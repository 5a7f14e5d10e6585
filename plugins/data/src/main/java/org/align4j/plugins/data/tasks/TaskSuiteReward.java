package org.align4j.plugins.data.tasks;

import java.util.List;
import java.util.Map;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/** The task suite's true reward: a program per task ({@link Checker}). Thread-safe. */
public final class TaskSuiteReward implements Reward {
  private final Checker.Aspect aspect;

  public TaskSuiteReward(Checker.Aspect aspect) {
    this.aspect = aspect;
  }

  @Override
  public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
    return Checker.score(metadata, response, aspect);
  }
}
