package org.align4j.api.metrics;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Provider;

/** A metrics destination ({@code csv}, {@code jsonl}, {@code tensorboard}). */
public interface MetricsSinkProvider<O extends Record> extends Provider<O> {
  /** Opens the sink for a run whose directory is {@code runDir} (resumed runs append). */
  MetricsSink open(Path runDir, O options) throws IOException;
}
