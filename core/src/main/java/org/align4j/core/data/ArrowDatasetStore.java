package org.align4j.core.data;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.RowStream;
import org.align4j.toolkit.data.BatchSequenceReader;
import org.align4j.toolkit.data.FileFormats;
import org.align4j.toolkit.data.RowStreams;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DatasetStore}: Arrow IPC files written to a temporary file and renamed into place; read
 * batch by batch from a {@link FileChannel} (the OS page cache does the caching), so memory stays at
 * about one batch whatever the dataset size. Also reads IPC streams ({@code datasets} cache files) and,
 * through the {@link DataSourceProvider}s, any other format they recognise.
 */
@Singleton
public class ArrowDatasetStore implements DatasetStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrowDatasetStore.class);

  private final BufferAllocator root;
  private Components components;
  private int writeBatchRows = 1024;

  public ArrowDatasetStore() {
    Rows.requireArrowAccess();
    this.root = new RootAllocator(Long.MAX_VALUE);
  }

  /** Lets {@link #open} find data sources for non-Arrow files (JSONL, Parquet). */
  @com.google.inject.Inject(optional = true)
  public void setComponents(Components components) {
    this.components = components;
  }

  /** Rows per batch when writing row by row (default 1024). */
  public void setWriteBatchRows(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("rows per batch must be >= 1, got " + rows);
    }
    this.writeBatchRows = rows;
  }

  @Override
  public BufferAllocator allocator() {
    return root;
  }

  /** The files of a dataset: the path itself, or a directory's data files in name order. */
  static List<Path> files(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new Align4jException(path + ": no such dataset (file or directory). Check the path or the"
          + " stage output that should have produced it.");
    }
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> s = Files.list(path)) {
      List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> !p.getFileName().toString().startsWith("_"))
          .filter(p -> !p.getFileName().toString().endsWith(".json"))
          .sorted()
          .toList());
      if (out.isEmpty()) {
        throw new Align4jException(path + ": the dataset directory holds no data files");
      }
      return out;
    }
  }

  @Override
  public ArrowReader open(Path path) throws IOException {
    List<Path> files = files(path);
    BufferAllocator child = root.newChildAllocator("dataset:" + path.getFileName(), 0, Long.MAX_VALUE);
    try {
      return new BatchSequenceReader(child, files, this::openOne, child);
    } catch (IOException | RuntimeException e) {
      child.close();
      throw e;
    }
  }

  private ArrowReader openOne(Path file, BufferAllocator allocator) throws IOException {
    FileFormats.Kind kind = FileFormats.of(file);
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (kind == FileFormats.Kind.ARROW_FILE || kind == FileFormats.Kind.ARROW_STREAM
        || (kind == FileFormats.Kind.UNKNOWN && (name.endsWith(".arrows") || name.endsWith(".arrow_stream")))) {
      return FileFormats.openIpc(file, allocator);
    }
    return openWithProvider(file, allocator);
  }

  private ArrowReader openWithProvider(Path file, BufferAllocator allocator) throws IOException {
    List<String> known = new ArrayList<>();
    if (components != null) {
      for (DataSourceProvider<?> p : components.<DataSourceProvider<?>>all(DataSourceProvider.class)) {
        known.add(p.id());
        if (p.recognizes(file)) {
          Components.Bound<DataSourceProvider<?>> bound =
              components.resolve(DataSourceProvider.class, ComponentRef.of(p.id()));
          LOG.debug("{}: read by data source '{}'", file, p.id());
          return openWith(bound.provider(), bound.options(), file, allocator);
        }
      }
    }
    throw new Align4jException(file + ": not an Arrow IPC file or stream, and no data source recognises it"
        + (known.isEmpty() ? "" : " (data sources: " + known + ")")
        + ". Convert it with `align4j data convert` or name a data source in the recipe.");
  }

  private static <O extends Record> ArrowReader openWith(DataSourceProvider<O> p, Record options, Path file,
      BufferAllocator allocator) throws IOException {
    return p.open(file, p.optionsType().cast(options), allocator);
  }

  @Override
  public RowStream rows(Path path) throws IOException {
    return rows(open(path));
  }

  /** Rows of any reader (closes it when the stream is closed). */
  public static RowStream rows(ArrowReader reader) throws IOException {
    return RowStreams.of(reader);
  }

  @Override
  public DatasetWriter create(Path path, Schema schema) throws IOException {
    return new AtomicArrowWriter(path, schema, root, writeBatchRows);
  }

  @Override
  public long write(Path path, ArrowReader reader) throws IOException {
    VectorSchemaRoot in = reader.getVectorSchemaRoot();
    try (DatasetWriter w = create(path, in.getSchema())) {
      while (reader.loadNextBatch()) {
        w.write(in);
      }
      w.commit();
      return w.rows();
    }
  }

  @Override
  public Schema schema(Path path) throws IOException {
    try (ArrowReader r = open(path)) {
      return r.getVectorSchemaRoot().getSchema();
    }
  }

  @Override
  public long count(Path path) throws IOException {
    long n = 0;
    try (ArrowReader r = open(path)) {
      while (r.loadNextBatch()) {
        n += r.getVectorSchemaRoot().getRowCount();
      }
    }
    return n;
  }

  @Override
  public void close() {
    root.close();
  }
}
