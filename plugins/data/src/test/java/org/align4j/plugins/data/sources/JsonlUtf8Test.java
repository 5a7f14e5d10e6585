package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 item 8: invalid UTF-8 is reported at its own line (not where read-ahead was), and on_error: skip skips it. */
class JsonlUtf8Test {
  @TempDir Path dir;

  Path file() throws Exception {
    var b = new ByteArrayOutputStream();
    for (int i = 0; i < 20; i++) {
      b.writeBytes(("{\"text\": \"row " + i + "\"}\n").getBytes());
    }
    b.writeBytes(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', ' ', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
    b.writeBytes("{\"text\": \"last\"}\n".getBytes());
    return Files.write(dir.resolve("u.jsonl"), b.toByteArray());
  }

  @Test
  void invalidUtf8LineIsNamedAndSkippable() throws Exception {
    Path f = file();
    try (var alloc = new RootAllocator()) {
      var e = assertThrows(RuntimeException.class, () -> {
        try (ArrowReader r = new JsonlSource().open(f, new JsonlSource.Options("raw", "fail", 1024, 1000), alloc)) {
          while (r.loadNextBatch()) {
            // read all
          }
        }
      });
      assertTrue(e.getMessage().contains("line 21") && e.getMessage().contains("UTF-8"), e.getMessage());
      long rows = 0;
      try (ArrowReader r = new JsonlSource().open(f, new JsonlSource.Options("raw", "skip", 1024, 1000), alloc)) {
        while (r.loadNextBatch()) {
          rows += r.getVectorSchemaRoot().getRowCount();
        }
      }
      assertEquals(21, rows);
    }
  }
}
