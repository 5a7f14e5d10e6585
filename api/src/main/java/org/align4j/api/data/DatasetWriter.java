package org.align4j.api.data;

import java.io.IOException;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes one dataset file atomically: rows go to a temporary file beside the target, which replaces the
 * target only on {@link #commit()}. Closing without a commit deletes the temporary file (nothing is
 * written), so a failed stage never leaves half a dataset.
 */
public interface DatasetWriter extends AutoCloseable {
  Schema schema();

  /** Appends a row (see {@link RowStream} for the value model); buffered into batches. */
  void write(Map<String, ?> row) throws IOException;

  /** Appends a whole batch whose schema equals {@link #schema()}. */
  void write(VectorSchemaRoot batch) throws IOException;

  /** Rows written so far. */
  long rows();

  /** Flushes, closes and renames the file into place. */
  void commit() throws IOException;

  /** Deletes the temporary file unless committed. */
  @Override
  void close() throws IOException;
}
