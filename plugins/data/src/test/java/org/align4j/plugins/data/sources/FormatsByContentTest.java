package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.align4j.api.Align4jException;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.testkit.Repo;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a stage input is read as what its bytes are, not what its name says (a Parquet file named .jsonl, gzip
 * named .parquet, Parquet named .arrow); a truncated or corrupt Arrow file fails with one line naming the file and
 * what is wrong, never "null" or the magic bytes.
 */
class FormatsByContentTest {
  @TempDir Path dir;

  static Path fixture(String name) {
    return Repo.root().resolve("tests/fixtures/pyarrow").resolve(name);
  }

  /** The store as a stage sees it, with the JSONL source listed first (it claims .jsonl by name). */
  static ArrowDatasetStore store() {
    ArrowDatasetStore store = new ArrowDatasetStore();
    store.setComponents(StoreOpensSourcesTest.COMPONENTS);
    return store;
  }

  @Test
  void misleadingNamesAreReadByContent() throws Exception {
    Path parquetAsJsonl = Files.copy(fixture("conversations.parquet"), dir.resolve("train.jsonl"));
    Path parquetAsArrow = Files.copy(fixture("conversations.parquet"), dir.resolve("train.arrow"));
    Path gzipAsParquet = dir.resolve("train.parquet");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gzipAsParquet))) {
      o.write(Files.readAllBytes(fixture("conversations.jsonl")));
    }
    Path streamAsJsonl = Files.copy(fixture("conversations-datasets-cache.arrow"), dir.resolve("cache.jsonl"));
    try (ArrowDatasetStore store = store()) {
      for (Path p : new Path[] {parquetAsJsonl, parquetAsArrow, gzipAsParquet, streamAsJsonl}) {
        assertEquals(300, store.count(p), p.toString());
      }
    }
    assertFalse(new JsonlSource().recognizes(parquetAsJsonl));
    assertTrue(new ParquetSource().recognizes(parquetAsJsonl));
    assertFalse(new ArrowSource().recognizes(parquetAsArrow));
    assertTrue(new JsonlSource().recognizes(gzipAsParquet));
    assertFalse(new ParquetSource().recognizes(gzipAsParquet));
  }

  @Test
  void textNamedParquetSaysWhatItIs() throws Exception {
    Path text = Files.writeString(dir.resolve("t.parquet"), "{\"text\": \"a\"}\n");
    try (ArrowDatasetStore store = store()) {
      var e = assertThrows(Align4jException.class, () -> store.count(text));
      assertTrue(e.getMessage().startsWith(text + ": not a Parquet file"), e.getMessage());
    }
  }

  /** An IPC stream and an IPC file of 300 rows in 6 record batches of 50. */
  Path[] multiBatch() throws Exception {
    Path stream = dir.resolve("six.arrows");
    Path file = dir.resolve("six.arrow");
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      for (Path out : new Path[] {stream, file}) {
        try (ArrowReader r = new JsonlSource().open(fixture("conversations.jsonl"), new JsonlSource.Options("raw", "fail", 50, 1000),
            store.allocator())) {
          assertEquals(300, DataFiles.write(r, out, store.allocator()));
        }
      }
    }
    return new Path[] {stream, file};
  }

  Align4jException readAll(Path p) throws Exception {
    try (ArrowDatasetStore store = store()) {
      return assertThrows(Align4jException.class, () -> store.count(p));
    }
  }

  static void oneClearLine(Align4jException e, Path p, String what) {
    String m = e.getMessage();
    assertTrue(m.startsWith(p + ": " + what), m);
    assertFalse(m.contains("\n") || m.contains("null") || m.contains("[65, 82") || m.contains("Magic number"), m);
  }

  @Test
  void truncatedArrowStreamNamesTheBatch() throws Exception {
    Path stream = multiBatch()[0];
    byte[] all = Files.readAllBytes(stream);
    Path cut = Files.write(dir.resolve("cut.arrows"), Arrays.copyOf(all, all.length * 3 / 5));
    var e = readAll(cut);
    oneClearLine(e, cut, "truncated Arrow IPC stream: it ends at byte " + (all.length * 3 / 5) + " in record batch 4");
  }

  @Test
  void truncatedArrowFileSaysTruncated() throws Exception {
    Path file = multiBatch()[1];
    byte[] all = Files.readAllBytes(file);
    for (int len : new int[] {all.length / 2, all.length - 3, 10}) {
      Path cut = Files.write(dir.resolve("cut-" + len + ".arrow"), Arrays.copyOf(all, len));
      oneClearLine(readAll(cut), cut, "truncated Arrow IPC file: it ends at byte " + len);
    }
    byte[] garbage = "ARROW1\0\0garbage garbage garbage".getBytes();
    Path g = Files.write(dir.resolve("g.arrow"), garbage);
    oneClearLine(readAll(g), g, "truncated Arrow IPC file");
  }

  @Test
  void corruptRecordBatchIsNamed() throws Exception {
    Path stream = multiBatch()[0];
    byte[] all = Files.readAllBytes(stream);
    // the 4th batch's message: its flatbuffer metadata overwritten with garbage
    byte[] bad = all.clone();
    int at = nthMessage(all, 4);
    Arrays.fill(bad, at + 8, at + 24, (byte) 0x55);
    Path p = Files.write(dir.resolve("bad.arrows"), bad);
    var e = readAll(p);
    assertTrue(e.getMessage().startsWith(p + ": ") && e.getMessage().contains("corrupt Arrow IPC stream: cannot read record batch 4: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  /** The offset of the n-th (from 0: the schema) continuation marker 0xFFFFFFFF of an IPC stream. */
  static int nthMessage(byte[] b, int n) {
    int seen = -1;
    int i = 0;
    while (i + 8 <= b.length) {
      if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xff && (b[i + 2] & 0xff) == 0xff && (b[i + 3] & 0xff) == 0xff) {
        if (++seen == n) {
          return i;
        }
        int metaLen = (b[i + 4] & 0xff) | (b[i + 5] & 0xff) << 8 | (b[i + 6] & 0xff) << 16 | (b[i + 7] & 0xff) << 24;
        int bodyLen = bodyLength(b, i + 8, metaLen);
        i += 8 + metaLen + bodyLen;
      } else {
        i++;
      }
    }
    throw new AssertionError("no message " + n);
  }

  private static int bodyLength(byte[] b, int metaStart, int metaLen) {
    var m = org.apache.arrow.flatbuf.Message.getRootAsMessage(java.nio.ByteBuffer.wrap(b, metaStart, metaLen).slice()
        .order(java.nio.ByteOrder.LITTLE_ENDIAN));
    return (int) m.bodyLength();
  }
}
