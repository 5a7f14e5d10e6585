package org.align4j.api.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Engine service: datasets in the run directory. A dataset is an Arrow IPC file (or a directory of
 * them, read in name order) written atomically; readers stream it batch by batch so memory does not
 * grow with its size. {@link #open} also reads Arrow IPC streams (Hugging Face {@code datasets} cache
 * files) and any format a {@link DataSourceProvider} recognises (JSONL, Parquet).
 */
public interface DatasetStore {
  /** The root allocator datasets are read into (child allocators per reader). */
  BufferAllocator allocator();

  /**
   * Opens a dataset as batches. Dictionary-encoded columns are decoded, so every batch's vectors match
   * {@code reader.getVectorSchemaRoot().getSchema()} without dictionaries. The caller closes the reader.
   */
  ArrowReader open(Path path) throws IOException;

  /** Opens a dataset as rows (see {@link RowStream} for the value model); only one batch is held at a time. */
  RowStream rows(Path path) throws IOException;

  /** Starts writing {@code path} with {@code schema} (see {@link DatasetWriter}: commit to publish). */
  DatasetWriter create(Path path, Schema schema) throws IOException;

  /** Writes all {@code rows} to {@code path} in batches of {@code batchSize} and commits; returns the row count. */
  default long write(Path path, Schema schema, Iterator<? extends Map<String, ?>> rows) throws IOException {
    try (DatasetWriter w = create(path, schema)) {
      while (rows.hasNext()) {
        w.write(rows.next());
      }
      w.commit();
      return w.rows();
    }
  }

  /** Writes every batch of {@code reader} to {@code path} and commits; returns the row count. */
  long write(Path path, ArrowReader reader) throws IOException;

  /** The schema of a dataset without reading its rows. */
  Schema schema(Path path) throws IOException;

  /** Row count (reads only the batch headers of Arrow IPC files). */
  long count(Path path) throws IOException;
}
