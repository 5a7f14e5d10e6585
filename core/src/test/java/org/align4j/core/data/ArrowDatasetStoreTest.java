package org.align4j.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowDatasetStoreTest {
  static List<Map<String, Object>> rows(DatasetStore s, Path p) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (RowStream r = s.rows(p)) {
      r.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void moduleBindsOneStore() {
    var injector = Guice.createInjector(new DataServicesModule());
    DatasetStore a = injector.getInstance(DatasetStore.class);
    assertSame(a, injector.getInstance(DatasetStore.class));
    ((ArrowDatasetStore) a).close();
  }

  @Test
  void writesAtomicallyAndReadsFilesAndDirectories(@TempDir Path dir) throws Exception {
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      store.setWriteBatchRows(3);
      Path p = dir.resolve("conv");
      List<Map<String, Object>> in = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        in.add(Map.of(Schemas.MESSAGES, Rows.conversation(List.of(Message.user("q" + i), Message.assistant("ä" + i))),
            Schemas.TAGS, List.of("t" + i)));
      }
      try (DatasetWriter w = store.create(p, Schemas.CONVERSATIONS)) {
        for (var r : in) {
          w.write(r);
        }
        assertFalse(Files.exists(p), "not visible before commit");
        w.commit();
      }
      assertTrue(Files.exists(p));
      assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
      assertEquals(10, store.count(p));
      var back = rows(store, p);
      assertEquals("ä7", Rows.messages(back.get(7).get(Schemas.MESSAGES)).get(1).content());
      assertEquals(null, back.get(0).get(Schemas.SYSTEM));
      // an abandoned writer leaves nothing behind, not even its temporary file
      try (DatasetWriter w = store.create(dir.resolve("gone"), Schemas.TEXT)) {
        w.write(Map.of(Schemas.TEXT_COLUMN, "x"));
      }
      try (Stream<Path> s = Files.list(dir)) {
        assertEquals(List.of("conv"), s.map(x -> x.getFileName().toString()).toList());
      }
      // a directory of shards reads in name order
      Path shards = dir.resolve("shards");
      Files.createDirectories(shards);
      store.write(shards.resolve("part-1.arrow"), Schemas.TEXT, List.of(Map.<String, Object>of("text", "b")).iterator());
      store.write(shards.resolve("part-0.arrow"), Schemas.TEXT, List.of(Map.<String, Object>of("text", "a")).iterator());
      assertEquals(List.of(Map.of("text", "a"), Map.of("text", "b")), rows(store, shards));
      // a bad value names the file, row and field
      try (DatasetWriter w = store.create(dir.resolve("bad"), Schemas.TOKENIZED)) {
        var e = assertThrows(Align4jException.class, () -> w.write(Map.of(Schemas.INPUT_IDS, List.of(1, "x"))));
        assertTrue(e.getMessage().contains("row 0: field 'input_ids[1]': expected a number"), e.getMessage());
      }
      var missing = assertThrows(Align4jException.class, () -> store.open(dir.resolve("nope")));
      assertTrue(missing.getMessage().contains("no such dataset"), missing.getMessage());
    }
  }

  @Test
  void tokenArraysRoundTripWithoutBoxing(@TempDir Path dir) throws Exception {
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      Path p = dir.resolve("tok");
      store.write(p, Schemas.TOKENIZED, List.of(
          Map.<String, Object>of(Schemas.INPUT_IDS, new int[] {5, -1, 70000}, Schemas.LOSS_MASK, new byte[] {0, 1, 1}),
          Map.<String, Object>of(Schemas.INPUT_IDS, new int[0], Schemas.LOSS_MASK, List.of())).iterator());
      try (var r = store.open(p)) {
        assertTrue(r.loadNextBatch());
        var root = r.getVectorSchemaRoot();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {5, -1, 70000},
            Rows.intArray(root.getVector(Schemas.INPUT_IDS), 0));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {0, 1, 1}, Rows.byteArray(root.getVector(Schemas.LOSS_MASK), 0));
        assertEquals(0, Rows.intArray(root.getVector(Schemas.INPUT_IDS), 1).length);
        assertEquals(null, Rows.intArray(root.getVector(Schemas.SEGMENT_IDS), 0));
        assertEquals(List.of(5, -1, 70000), Rows.read(root, 0).get(Schemas.INPUT_IDS));
      }
    }
  }
}
