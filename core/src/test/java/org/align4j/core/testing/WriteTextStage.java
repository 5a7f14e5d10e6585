package org.align4j.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.align4j.api.Default;
import org.align4j.api.ProviderInfo;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;

/** Test stage: writes {@code text} (prefixed by its optional input's content) to its output; counts runs. */
@ProviderInfo(id = "write-text")
@StagePort(input = "prefix", description = "a text file prepended to the output", required = false)
@StagePort(output = "text", description = "the text file")
public final class WriteTextStage implements Stage<WriteTextStage.Options> {
  public static final AtomicInteger RUNS = new AtomicInteger();

  public record Options(@Default("hello") String text, @Default("1") int repeat, @Default("false") boolean fail) {
    public Options {
      if (repeat < 1) {
        throw new IllegalArgumentException("repeat must be >= 1, got " + repeat);
      }
    }
  }

  @jakarta.inject.Inject Metrics injectedMetrics;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    RUNS.incrementAndGet();
    if (injectedMetrics == null) {
      throw new IllegalStateException("Metrics was not injected");
    }
    String prefix = ctx.optionalInput("prefix").map(p -> {
      try {
        return Files.readString(p);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).orElse("");
    Path out = ctx.output("text");
    Files.writeString(out, prefix + o.text().repeat(o.repeat()));
    ctx.metrics().scalar("chars", Files.size(out), 1);
    if (o.fail()) {
      throw new IllegalStateException("asked to fail");
    }
  }
}
