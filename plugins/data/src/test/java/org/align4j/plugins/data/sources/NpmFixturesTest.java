package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.plugins.data.testing.TestData;
import org.align4j.testkit.Repo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.Test;

/**
 * Files written by independent writers (tools/assets/arrow-npm-fixtures.sh): npm apache-arrow (IPC file and
 * stream, a dictionary-encoded column) and parquet-wasm (arrow-rs: zstd, data page v2, dictionary pages,
 * row groups of 50) read back equal to the JSONL the same script wrote.
 */
class NpmFixturesTest {
  static Path dir() {
    return Repo.root().resolve("plugins/data/src/test/resources/fixtures/npm-arrow");
  }

  List<Object> read(ArrowReader r) throws Exception {
    List<Object> out = new ArrayList<>();
    for (var row : TestData.rows(r)) {
      out.add(TestData.norm(row));
    }
    return SourcesTest.fixScore(out);
  }

  @Test
  void arrowFileStreamAndParquetEqualTheirTruth() throws Exception {
    List<Object> truth = SourcesTest.fixScore(SourcesTest.truth(dir().resolve("table.jsonl")));
    assertEquals(120, truth.size());
    try (BufferAllocator alloc = new RootAllocator()) {
      for (String f : List.of("table.arrow", "table.arrows", "table.parquet")) {
        try (ArrowReader r = new ArrowSource().recognizes(dir().resolve(f)) && !f.endsWith(".parquet")
            ? new ArrowSource().open(dir().resolve(f), ColumnarOptions.defaults(), alloc)
            : new ParquetSource().open(dir().resolve(f), new ColumnarOptions("raw", "fail", 32), alloc)) {
          var source = r.getVectorSchemaRoot().getSchema().findField("source");
          assertTrue(source.getType() instanceof ArrowType.Utf8, f + ": dictionary column decoded: " + source);
          assertEquals(truth, read(r), f);
        }
      }
    }
  }
}
