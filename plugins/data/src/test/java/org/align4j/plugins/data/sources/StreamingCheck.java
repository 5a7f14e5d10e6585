package org.align4j.plugins.data.sources;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.core.data.ArrowDatasetStore;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Run in a child JVM with a small heap by {@link StreamingTest}: streams a JSONL file and an Arrow dataset
 * each several times the heap through the source, the store's writer and its reader, and prints
 * {@code OK rows=<n> arrowBytes=<size> peakArrow=<bytes> maxHeap=<bytes>}.
 */
public final class StreamingCheck {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long targetBytes = Long.parseLong(args[1]) << 20;
    Path jsonl = dir.resolve("big.jsonl");
    String pad = "x".repeat(3000);
    long rows = 0;
    try (BufferedWriter w = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8)) {
      long written = 0;
      while (written < targetBytes) {
        String line = "{\"messages\": [{\"role\": \"user\", \"content\": \"q" + rows + "\"}, {\"role\": \"assistant\","
            + " \"content\": \"" + pad + rows + "\"}]}\n";
        w.write(line);
        written += line.length();
        rows++;
      }
    }
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      store.setWriteBatchRows(256);
      BufferAllocator child = store.allocator().newChildAllocator("jsonl", 0, Long.MAX_VALUE);
      Path arrow = dir.resolve("big.arrow");
      long n;
      try (ArrowReader r = new JsonlSource().open(jsonl, new JsonlSource.Options("conversations", "fail", 256, 10), child)) {
        n = store.write(arrow, r);
      }
      child.close();
      if (n != rows) {
        throw new AssertionError("wrote " + n + " rows, expected " + rows);
      }
      long read = 0;
      long checksum = 0;
      try (RowStream s = store.rows(arrow)) {
        while (s.hasNext()) {
          Map<String, Object> row = s.next();
          @SuppressWarnings("unchecked")
          var msgs = (java.util.List<Map<String, Object>>) row.get(Schemas.MESSAGES);
          String c = (String) msgs.get(1).get("content");
          checksum += c.length();
          if (!c.endsWith(Long.toString(read))) {
            throw new AssertionError("row " + read + " out of order");
          }
          read++;
        }
      }
      if (read != rows || checksum != rows * 3000 + digits(rows)) {
        throw new AssertionError("read " + read + " rows, checksum " + checksum);
      }
      System.out.println("OK rows=" + rows + " jsonlBytes=" + Files.size(jsonl) + " arrowBytes=" + Files.size(arrow)
          + " peakArrow=" + store.allocator().getPeakMemoryAllocation() + " maxHeap=" + Runtime.getRuntime().maxMemory());
    }
  }

  static long digits(long rows) {
    long total = 0;
    for (long i = 0; i < rows; i++) {
      total += Long.toString(i).length();
    }
    return total;
  }

}
