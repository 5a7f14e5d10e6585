package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.toolkit.data.FileFormats;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * {@code arrow}: Arrow IPC files ({@code ARROW1} magic) and streams, told apart by content, so a Hugging
 * Face {@code datasets} cache file ({@code data-00000-of-00001.arrow}, an IPC stream) opens directly.
 */
@ProviderInfo(id = "arrow", description = "Arrow IPC files and streams (Hugging Face datasets cache files)")
public final class ArrowSource implements DataSourceProvider<ColumnarOptions> {
  @Override
  public boolean recognizes(Path file) {
    return FileFormats.recognizes(file, IPC, ".arrow", ".arrows", ".feather", ".ipc");
  }

  private static final Set<FileFormats.Kind> IPC = EnumSet.of(FileFormats.Kind.ARROW_FILE, FileFormats.Kind.ARROW_STREAM);

  /** Opens an IPC file or stream (by content) in {@code allocator}; see {@link FileFormats#openIpc}. */
  public static ArrowReader openIpc(Path file, BufferAllocator allocator) throws IOException {
    return FileFormats.openIpc(file, allocator);
  }

  @Override
  public ArrowReader open(Path file, ColumnarOptions o, BufferAllocator allocator) throws IOException {
    return ColumnarSources.open(file, ArrowSource::openIpc, o.shape(), o.onError(), o.batchSize(), allocator, null);
  }
}
