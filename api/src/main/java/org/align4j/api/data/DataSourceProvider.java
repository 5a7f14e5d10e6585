package org.align4j.api.data;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Provider;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Opens a dataset as a stream of Arrow record batches ({@code jsonl}, {@code parquet}, {@code arrow},
 * generated task suites). Memory is bounded by the batch size, not the dataset size.
 */
public interface DataSourceProvider<O extends Record> extends Provider<O> {
  /** Whether this provider reads {@code file} (by extension or content); generated sources return false. */
  default boolean recognizes(Path file) {
    return false;
  }

  /**
   * @param file the dataset file, or null for generated sources
   * @param allocator the allocator the batches are built in; the caller closes the reader
   */
  ArrowReader open(Path file, O options, BufferAllocator allocator) throws IOException;
}
