package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.align4j.api.Align4jException;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * {@code arrow}: Arrow IPC files ({@code ARROW1} magic) and streams, told apart by content, so a Hugging
 * Face {@code datasets} cache file ({@code data-00000-of-00001.arrow}, an IPC stream) opens directly.
 */
@ProviderInfo(id = "arrow", description = "Arrow IPC files and streams (Hugging Face datasets cache files)")
public final class ArrowSource implements DataSourceProvider<ColumnarOptions> {
  @Override
  public boolean recognizes(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".arrow") || n.endsWith(".arrows") || n.endsWith(".feather") || n.endsWith(".ipc")) {
      return true;
    }
    try {
      return isIpcFile(file) || isIpcStream(file);
    } catch (IOException e) {
      return false;
    }
  }

  static byte[] head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(8);
    }
  }

  static boolean isIpcFile(Path file) throws IOException {
    byte[] h = head(file);
    return h.length >= 6 && new String(h, 0, 6, java.nio.charset.StandardCharsets.US_ASCII).equals("ARROW1");
  }

  static boolean isIpcStream(Path file) throws IOException {
    byte[] h = head(file);
    return h.length >= 8 && (h[0] & 0xff) == 0xff && (h[1] & 0xff) == 0xff && (h[2] & 0xff) == 0xff
        && (h[3] & 0xff) == 0xff;
  }

  /** Opens an IPC file or stream (by content) in {@code allocator}. */
  public static ArrowReader openIpc(Path file, BufferAllocator allocator) throws IOException {
    boolean fileFormat = isIpcFile(file);
    if (!fileFormat && !isIpcStream(file)) {
      throw new Align4jException(file + ": not an Arrow IPC file or stream (no ARROW1 magic, no stream marker)");
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      ArrowReader r = fileFormat ? new ArrowFileReader(ch, allocator)
          : new ArrowStreamReader(Channels.newInputStream(ch), allocator);
      r.getVectorSchemaRoot();
      return r;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw new Align4jException(file + ": cannot read Arrow IPC " + (fileFormat ? "file" : "stream") + ": " + e.getMessage(), e);
    }
  }

  @Override
  public ArrowReader open(Path file, ColumnarOptions o, BufferAllocator allocator) throws IOException {
    return ColumnarSources.open(file, ArrowSource::openIpc, o.shape(), o.onError(), o.batchSize(), allocator, null);
  }
}
