package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.align4j.api.Align4jException;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
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
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".parquet") || n.endsWith(".pq")) {
      return true;
    }
    try {
      byte[] h = ArrowSource.head(file);
      return h.length >= 4 && h[0] == 'P' && h[1] == 'A' && h[2] == 'R' && h[3] == '1';
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public ArrowReader open(Path file, ColumnarOptions o, BufferAllocator allocator) throws IOException {
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
