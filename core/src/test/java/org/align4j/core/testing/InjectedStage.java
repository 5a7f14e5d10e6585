package org.align4j.core.testing;

import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.engine.Models;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;

/** Test stage: records the instance each run used and the engine service injected into it. */
@ProviderInfo(id = "test-injected")
@StagePort(output = "text", description = "the stage id")
public final class InjectedStage implements Stage<NoOptions> {
  /** (stage instance, Models it was given at injection, Models it still holds after the run). */
  public record Seen(InjectedStage stage, Models injected) {}

  public static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

  @Inject public Models models;

  @Override
  public void run(StageContext ctx, NoOptions o) throws Exception {
    SEEN.add(new Seen(this, models));
    Files.writeString(ctx.output("text"), ctx.stageId());
  }
}
