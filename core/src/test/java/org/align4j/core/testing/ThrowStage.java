package org.align4j.core.testing;

import org.align4j.api.Default;
import org.align4j.api.ProviderInfo;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;

/** Test stage: throws the throwable named by {@code error}, to check how the runner treats each kind. */
@ProviderInfo(id = "throw")
@StagePort(input = "after", description = "any file, to order this stage after another", required = false)
@StagePort(output = "text", description = "never written")
public final class ThrowStage implements Stage<ThrowStage.Options> {
  public record Options(@Default("runtime") String error) {}

  @Override
  public void run(StageContext ctx, Options o) {
    switch (o.error()) {
      case "oom" -> throw new OutOfMemoryError("simulated: Java heap space");
      case "stack" -> throw new StackOverflowError("simulated");
      case "internal" -> throw new InternalError("simulated");
      case "assertion" -> throw new AssertionError("simulated assertion");
      case "linkage" -> throw new NoClassDefFoundError("com/example/Missing");
      default -> throw new IllegalStateException("simulated " + o.error());
    }
  }
}
