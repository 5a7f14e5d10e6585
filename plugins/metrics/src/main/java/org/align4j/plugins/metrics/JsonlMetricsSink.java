package org.align4j.plugins.metrics;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.metrics.MetricsSink;
import org.align4j.api.metrics.MetricsSinkProvider;

/** {@code metrics.jsonl}: one JSON object per scalar. */
@ProviderInfo(id = "jsonl", description = "scalars as JSON lines {stage, name, step, value, wall_ms}")
public final class JsonlMetricsSink implements MetricsSinkProvider<JsonlMetricsSink.Options> {
  public record Options(@Doc("file name inside the run directory") @Default("metrics.jsonl") String file) {}

  @Override
  public MetricsSink open(Path runDir, Options o) throws IOException {
    return new LineWriterSink(runDir.resolve(o.file()), null,
        (stage, name, step, value, wall) -> "{\"stage\":\"" + esc(stage) + "\",\"name\":\"" + esc(name) + "\",\"step\":" + step
        + ",\"value\":" + (Double.isFinite(value) ? Double.toString(value) : "\"" + value + "\"") + ",\"wall_ms\":" + wall + "}");
  }

  private static String esc(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
