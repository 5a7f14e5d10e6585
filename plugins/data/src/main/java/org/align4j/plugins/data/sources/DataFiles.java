package org.align4j.plugins.data.sources;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.align4j.api.Align4jException;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/**
 * Writes a stream of batches to a file in any supported format, atomically (temporary sibling, then
 * rename): {@code .arrow}/{@code .feather}/{@code .ipc} (IPC file), {@code .arrows} (IPC stream),
 * {@code .parquet} (Arrow C++ writer: snappy), {@code .jsonl} / {@code .jsonl.gz}.
 */
public final class DataFiles {
  private DataFiles() {}

  public enum Format { ARROW, ARROW_STREAM, PARQUET, JSONL, JSONL_GZ }

  /** The format a file name asks for. */
  public static Format formatOf(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".jsonl.gz") || n.endsWith(".ndjson.gz")) {
      return Format.JSONL_GZ;
    }
    if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
      return Format.JSONL;
    }
    if (n.endsWith(".parquet") || n.endsWith(".pq")) {
      return Format.PARQUET;
    }
    if (n.endsWith(".arrows")) {
      return Format.ARROW_STREAM;
    }
    if (n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc")) {
      return Format.ARROW;
    }
    throw new Align4jException(file + ": unknown output format; use one of .arrow (IPC file), .arrows (IPC stream),"
        + " .parquet, .jsonl, .jsonl.gz");
  }

  /**
   * Writes every batch of {@code reader} to the file {@code out}, in the format its name says; returns the row
   * count. {@code out} is written in place: to replace a file only once the new one is complete, give the
   * temporary file of an atomic write (the launcher's {@code data convert} does).
   */
  public static long write(ArrowReader reader, Path out, BufferAllocator allocator) throws IOException {
    return write(reader, out, formatOf(out), allocator);
  }

  /** As {@link #write(ArrowReader, Path, BufferAllocator)}, in {@code format} whatever the file's name. */
  public static long write(ArrowReader reader, Path out, Format format, BufferAllocator allocator) throws IOException {
    Path target = out.toAbsolutePath();
    Files.createDirectories(target.getParent());
    return switch (format) {
      case ARROW, ARROW_STREAM -> writeIpc(reader, target, format == Format.ARROW, allocator);
      case JSONL, JSONL_GZ -> writeJsonl(reader, target, format == Format.JSONL_GZ);
      case PARQUET -> writeParquet(reader, target, allocator);
    };
  }

  private static long writeIpc(ArrowReader reader, Path file, boolean fileFormat, BufferAllocator allocator) throws IOException {
    VectorSchemaRoot in = reader.getVectorSchemaRoot();
    long rows = 0;
    try (VectorSchemaRoot buf = VectorSchemaRoot.create(in.getSchema(), allocator);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ArrowWriter w = fileFormat ? new ArrowFileWriter(buf, null, ch) : new ArrowStreamWriter(buf, null, ch)) {
      w.start();
      while (reader.loadNextBatch()) {
        try (ArrowRecordBatch rb = new VectorUnloader(in).getRecordBatch()) {
          new VectorLoader(buf).load(rb);
        }
        w.writeBatch();
        rows += in.getRowCount();
      }
      w.end();
    }
    return rows;
  }

  private static long writeJsonl(ArrowReader reader, Path file, boolean gzip) throws IOException {
    VectorSchemaRoot in = reader.getVectorSchemaRoot();
    long rows = 0;
    try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(file), 1 << 16)
            : new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        JsonGenerator g = Json.MAPPER.getFactory().createGenerator(os)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.setRootValueSeparator(null);
      while (reader.loadNextBatch()) {
        for (int i = 0; i < in.getRowCount(); i++) {
          Json.write(g, Rows.read(in, i));
          g.writeRaw('\n');
          rows++;
        }
      }
      g.flush();
    }
    return rows;
  }

  private static long writeParquet(ArrowReader reader, Path file, BufferAllocator allocator) throws IOException {
    Path dir = Files.createTempDirectory(file.getParent(), ".parquet-");
    // The batches handed to the C++ writer are released by its threads, sometimes after write() has returned:
    // they live in an allocator of their own that is closed only once the native side has let go of all of
    // them (closing the caller's allocator earlier reported a leak, and the late releases threw on native threads).
    BufferAllocator exported = allocator.newChildAllocator("parquet-export", 0, Long.MAX_VALUE);
    CountingReader counting = new CountingReader(reader, exported);
    Throwable failure = null;
    try {
      try {
        DatasetFileWriter.write(exported, counting, FileFormat.PARQUET, dir.toUri().toString());
      } catch (RuntimeException e) {
        // an error reading the input comes back through JNI as text holding its stack trace: throw the original
        if (counting.failure instanceof RuntimeException r) {
          throw r;
        }
        if (counting.failure instanceof IOException io) {
          throw io;
        }
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        throw new Align4jException(file.getFileName() + ": Parquet write failed (Arrow dataset JNI): " + m, e);
      }
      List<Path> parts;
      try (Stream<Path> s = Files.list(dir)) {
        parts = s.filter(Files::isRegularFile).sorted().toList();
      }
      if (parts.size() != 1) {
        throw new Align4jException("Parquet writer produced " + parts.size() + " files, expected 1: " + parts);
      }
      Files.move(parts.get(0), file, StandardCopyOption.REPLACE_EXISTING);
      return counting.rows;
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      try {
        counting.awaitReleased(file);
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          throw e;
        }
        failure.addSuppressed(e);
      } finally {
        try (Stream<Path> s = Files.walk(dir)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** Passes batches through, counting rows (the dataset writer consumes the reader). */
  private static final class CountingReader extends ArrowReader {
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);

    private final ArrowReader in;
    /** Rows passed through so far. */
    long rows;

    private final BufferAllocator allocator;
    private final CountDownLatch closed = new CountDownLatch(1);

    CountingReader(ArrowReader in, BufferAllocator allocator) {
      super(allocator);
      this.in = in;
      this.allocator = allocator;
    }

    /**
     * Waits until the native writer has closed the exported stream and released every batch, then closes the
     * allocator they came from. A writer that never lets go is an error naming the file, not a silent leak.
     */
    void awaitReleased(Path file) throws IOException {
      long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
      try {
        while (closed.getCount() > 0 || allocator.getAllocatedMemory() > 0) {
          if (System.nanoTime() > deadline) {
            throw new Align4jException(file.getFileName() + ": the Parquet writer (Arrow dataset JNI) still holds "
                + allocator.getAllocatedMemory() + " bytes of its input " + RELEASE_TIMEOUT.toSeconds()
                + " s after writing; the file is complete but this process leaks them");
          }
          closed.await(10, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(file.getFileName() + ": interrupted waiting for the Parquet writer to release its input", e);
      }
      allocator.close();
    }

    /** What reading the input threw, if anything (JNI passes it on only as text). */
    Exception failure;

    @Override
    public boolean loadNextBatch() throws IOException {
      try {
        return load();
      } catch (IOException | RuntimeException e) {
        failure = e;
        throw e;
      }
    }

    private boolean load() throws IOException {
      VectorSchemaRoot out = getVectorSchemaRoot();
      if (!in.loadNextBatch()) {
        out.setRowCount(0);
        return false;
      }
      VectorSchemaRoot src = in.getVectorSchemaRoot();
      try (ArrowRecordBatch rb = new VectorUnloader(src).getRecordBatch()) {
        new VectorLoader(out).load(rb);
      }
      rows += src.getRowCount();
      return true;
    }

    @Override
    public long bytesRead() {
      return in.bytesRead();
    }

    @Override
    protected void closeReadSource() {
      // the caller closes the source reader; this is the native side letting go of the exported stream
      closed.countDown();
    }

    @Override
    protected org.apache.arrow.vector.types.pojo.Schema readSchema() throws IOException {
      return in.getVectorSchemaRoot().getSchema();
    }
  }

  /** Opens any supported input file: Arrow IPC (file or stream, by content), Parquet, JSONL. */
  public static ArrowReader open(Path file, BufferAllocator allocator) throws IOException {
    if (new ArrowSource().recognizes(file)) {
      return new ArrowSource().open(file, ColumnarOptions.defaults(), allocator);
    }
    ParquetSource pq = new ParquetSource();
    if (pq.recognizes(file)) {
      return pq.open(file, ColumnarOptions.defaults(), allocator);
    }
    JsonlSource js = new JsonlSource();
    if (js.recognizes(file)) {
      return js.open(file, new JsonlSource.Options("raw", "fail", 1024, 1000), allocator);
    }
    throw new Align4jException(file + ": unknown format (expected Arrow IPC, Parquet or JSONL)");
  }
}
