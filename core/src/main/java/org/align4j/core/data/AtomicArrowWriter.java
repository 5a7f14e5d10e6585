package org.align4j.core.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetWriter;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/** Writes an Arrow IPC file to a temporary sibling and renames it into place on commit. */
final class AtomicArrowWriter implements DatasetWriter {
  private static final long FLUSH_BYTES = 64L << 20;

  private final Path target;
  private final Path temp;
  private final Schema schema;
  private final BufferAllocator allocator;
  private final VectorSchemaRoot buffer;
  private final FileChannel channel;
  private final ArrowFileWriter writer;
  private final int batchRows;
  private int pending;
  private long rows;
  private boolean committed;
  private boolean closed;

  AtomicArrowWriter(Path target, Schema schema, BufferAllocator parent, int batchRows) throws IOException {
    this.target = target.toAbsolutePath();
    if (Files.isDirectory(this.target)) {
      throw new Align4jException(target + ": is a directory; a dataset is written as one Arrow IPC file");
    }
    this.temp = AtomicFiles.createTempSibling(this.target);
    this.schema = schema;
    this.batchRows = batchRows;
    this.allocator = parent.newChildAllocator("write:" + target.getFileName(), 0, Long.MAX_VALUE);
    VectorSchemaRoot b = null;
    FileChannel ch = null;
    try {
      b = VectorSchemaRoot.create(schema, allocator);
      ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      this.writer = new ArrowFileWriter(b, null, ch);
      writer.start();
    } catch (IOException | RuntimeException e) {
      if (b != null) {
        b.close();
      }
      if (ch != null) {
        ch.close();
      }
      allocator.close();
      Files.deleteIfExists(temp);
      throw e;
    }
    this.buffer = b;
    this.channel = ch;
    buffer.allocateNew();
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public void write(Map<String, ?> row) throws IOException {
    ensureOpen();
    try {
      Rows.write(buffer, pending, row);
    } catch (IllegalArgumentException e) {
      throw new Align4jException(target + ": row " + rows + ": " + e.getMessage(), e);
    }
    pending++;
    rows++;
    if (pending >= batchRows || (pending % 64 == 0 && bufferBytes() > FLUSH_BYTES)) {
      flush();
    }
  }

  private long bufferBytes() {
    long n = 0;
    for (var v : buffer.getFieldVectors()) {
      n += v.getBufferSize();
    }
    return n;
  }

  private void flush() throws IOException {
    if (pending == 0) {
      return;
    }
    buffer.setRowCount(pending);
    writer.writeBatch();
    pending = 0;
    buffer.allocateNew();
  }

  @Override
  public void write(VectorSchemaRoot batch) throws IOException {
    ensureOpen();
    if (!batch.getSchema().equals(schema)) {
      throw new Align4jException(target + ": batch schema " + batch.getSchema() + " differs from the dataset's " + schema);
    }
    flush();
    if (batch.getRowCount() == 0) {
      return;
    }
    try (ArrowRecordBatch rb = new VectorUnloader(batch).getRecordBatch()) {
      new VectorLoader(buffer).load(rb);
    }
    writer.writeBatch();
    rows += batch.getRowCount();
    buffer.allocateNew();
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public void commit() throws IOException {
    ensureOpen();
    flush();
    writer.end();
    channel.force(true);
    closeResources();
    AtomicFiles.replace(temp, target);
    committed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(target + ": writer already committed or closed");
    }
  }

  private void closeResources() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.close();
    } finally {
      buffer.close();
      channel.close();
      allocator.close();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      closeResources();
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
