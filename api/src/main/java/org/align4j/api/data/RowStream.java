package org.align4j.api.data;

import java.util.Iterator;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Rows of a dataset, streamed: only the current batch is held in memory. Close it (try-with-resources).
 */
public interface RowStream extends Iterator<Map<String, Object>>, AutoCloseable {
  Schema schema();

  @Override
  void close();
}
