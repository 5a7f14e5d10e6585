package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.EnumSet;
import org.align4j.api.Align4jException;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.toolkit.data.FileFormats;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * {@code parquet}: Parquet files through Arrow's dataset API (the C++ reader via JNI, bundled for linux
 * x86_64): every codec and page version Arrow C++ reads, streamed in batches.
 */
@ProviderInfo(id = "parquet", description = "Parquet files (Arrow dataset API)")
public final class ParquetSource implements DataSourceProvider<ColumnarOptions> {
  @Override
  public boolean recognizes(Path file) {
    return FileFormats.recognizes(file, EnumSet.of(FileFormats.Kind.PARQUET), ".parquet", ".pq");
  }

  @Override
  public ArrowReader open(Path file, ColumnarOptions o, BufferAllocator allocator) throws IOException {
    FileFormats.Kind kind = FileFormats.of(file);
    if (Files.isRegularFile(file) && kind != FileFormats.Kind.PARQUET) {
      throw new Align4jException(file + ": not a Parquet file (no PAR1 magic at the start; it is " + (Files.size(file) == 0
          ? "empty" : kind.words()) + "); give the file the name of what it holds (.jsonl, .arrow) or convert it with"
          + " `align4j data convert`");
    }
    FileSystemDatasetFactory factory;
    try {
      factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET,
          file.toAbsolutePath().toUri().toString());
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      throw new Align4jException(file + ": cannot open Parquet (Arrow dataset JNI): " + e.getMessage()
          + ". The bundled native library covers linux x86_64; on other platforms convert the file to Arrow IPC"
          + " or JSONL first.", e);
    }
    Dataset dataset = null;
    Scanner scanner = null;
    try {
      dataset = factory.finish();
      scanner = dataset.newScan(new ScanOptions(o.batchSize()));
      Scanner sc = scanner;
      AutoCloseable resources = closer(scanner, dataset, factory);
      return ColumnarSources.open(file, (f, a) -> sc.scanBatches(), o.shape(), o.onError(), o.batchSize(), allocator,
          resources);
    } catch (RuntimeException e) {
      try {
        AutoCloseables.close(scanner, dataset, factory);
      } catch (Exception ignored) {
        // the original failure matters
      }
      throw new Align4jException(file + ": cannot read Parquet: " + e.getMessage(), e);
    }
  }

  private static AutoCloseable closer(AutoCloseable... resources) {
    return () -> AutoCloseables.close(resources);
  }
}
