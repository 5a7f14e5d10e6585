package org.align4j.toolkit.data;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * An {@link ArrowReader} over rows produced lazily by an iterator (generated data, parsed text files,
 * transforms): fills one batch of at most {@code batchSize} rows at a time, so memory is bounded by the
 * batch size. A row value that does not fit the schema raises an {@link IllegalArgumentException} naming
 * the field; sources that know the file and line catch it and add them.
 */
public class RowReader extends ArrowReader {
  private final Schema schema;
  private final Iterator<? extends Map<String, ?>> rows;
  private final int batchSize;
  private final AutoCloseable onClose;
  private final SkippedRows skipped;
  private long bytes;

  public RowReader(
      BufferAllocator allocator,
      Schema schema,
      Iterator<? extends Map<String, ?>> rows,
      int batchSize,
      AutoCloseable onClose,
      SkippedRows skipped) {
    super(allocator);
    this.skipped = skipped;
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
    }
    this.schema = schema;
    this.rows = rows;
    this.batchSize = batchSize;
    this.onClose = onClose;
  }

  public RowReader(BufferAllocator allocator, Schema schema, Iterator<? extends Map<String, ?>> rows, int batchSize) {
    this(allocator, schema, rows, batchSize, null, null);
  }

  /** Rows the source skipped so far (on_error: skip), or null when it does not skip. */
  public SkippedRows skipped() {
    return skipped;
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    VectorSchemaRoot root = getVectorSchemaRoot();
    if (!rows.hasNext()) {
      root.setRowCount(0);
      return false;
    }
    root.allocateNew();
    int n = 0;
    while (n < batchSize && rows.hasNext()) {
      Rows.write(root, n, rows.next());
      n++;
    }
    root.setRowCount(n);
    bytes += root.getFieldVectors().stream().mapToLong(v -> v.getBufferSize()).sum();
    return true;
  }

  @Override
  public long bytesRead() {
    return bytes;
  }

  @Override
  protected void closeReadSource() throws IOException {
    if (skipped != null && skipped.count() > 0) {
      org.slf4j.LoggerFactory.getLogger(RowReader.class).warn(skipped.summary());
    }
    if (onClose != null) {
      try {
        onClose.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }

  @Override
  protected Schema readSchema() {
    return schema;
  }
}
