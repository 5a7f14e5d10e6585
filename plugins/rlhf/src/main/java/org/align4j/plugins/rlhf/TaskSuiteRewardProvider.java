package org.align4j.plugins.rlhf;

import java.util.Locale;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.plugins.data.tasks.Checker;
import org.align4j.plugins.data.tasks.TaskSuiteReward;

/**
 * {@code task-suite}: the true reward of the generated tasks, a program per task. Needs the task row's
 * metadata ({@code domain, task, check}; see {@link org.align4j.toolkit.data.Rows#metadata}).
 */
public final class TaskSuiteRewardProvider implements RewardProvider<TaskSuiteRewardProvider.Options> {
  public record Options(
      @Default("overall")
          @Doc("overall (the true reward), helpfulness (complying with an unsafe request looks helpful), or safety")
          String aspect) {
    public Options {
      if (aspect == null) {
        aspect = "overall";
      }
      aspect = aspect.toLowerCase(Locale.ROOT);
      if (!aspect.equals("overall") && !aspect.equals("helpfulness") && !aspect.equals("safety")) {
        throw new IllegalArgumentException("aspect must be overall, helpfulness or safety, got '" + aspect + "'");
      }
    }
  }

  @Override
  public String id() {
    return "task-suite";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "true reward of the generated task suite (arithmetic, instructions, dialogues, safety)";
  }

  @Override
  public Reward create(Options options) {
    return new TaskSuiteReward(Checker.Aspect.valueOf(options.aspect().toUpperCase(Locale.ROOT)));
  }
}
