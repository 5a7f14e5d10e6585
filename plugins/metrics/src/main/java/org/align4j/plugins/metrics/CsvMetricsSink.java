package org.align4j.plugins.metrics;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.metrics.MetricsSink;
import org.align4j.api.metrics.MetricsSinkProvider;

/** {@code metrics.csv}: one row per scalar (stage, name, step, value, wall time), appended across resumed runs. */
@ProviderInfo(id = "csv", description = "scalars as CSV rows (stage,name,step,value,wall_ms) in the run directory")
public final class CsvMetricsSink implements MetricsSinkProvider<CsvMetricsSink.Options> {
  public record Options(@Doc("file name inside the run directory") @Default("metrics.csv") String file) {}

  @Override
  public MetricsSink open(Path runDir, Options o) throws IOException {
    return new LineWriterSink(runDir.resolve(o.file()), "stage,name,step,value,wall_ms",
        (stage, name, step, value, wall) -> csv(stage) + "," + csv(name) + "," + step + "," + value + "," + wall);
  }

  /** Quotes a field when it holds a comma or a quote. */
  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
