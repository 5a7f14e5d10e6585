package org.align4j.api.data;

import java.util.Iterator;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Rows of a dataset, streamed: only the current batch is held in memory. Close it (try-with-resources).
 *
 * <p>A row is a {@code Map<String, Object>} in schema order. Values: {@code null}, {@link String}
 * (utf8), {@link Boolean}, {@link Byte}/{@link Short}/{@link Integer}/{@link Long} (int8..int64),
 * {@link Float}/{@link Double}, {@code byte[]} (binary), {@link java.util.List} (list), {@link Map} (struct).
 * When writing ({@link DatasetWriter}), lists of numbers may also be given as {@code int[]}, {@code byte[]},
 * {@code long[]}, {@code float[]} or {@code double[]}, and a conversation as {@code List<Message>}. The
 * toolkit's {@code org.align4j.toolkit.data.Rows} converts rows to and from Arrow vectors;
 * {@code org.align4j.toolkit.data.RowStreams#of} streams an {@code ArrowReader}'s rows.
 */
public interface RowStream extends Iterator<Map<String, Object>>, AutoCloseable {
  Schema schema();

  @Override
  void close();
}
