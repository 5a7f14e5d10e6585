package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Provider;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.api.data.RowStream;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;

/** The store opens non-Arrow files through whichever data source recognises them. */
class StoreOpensSourcesTest {
  static final Map<String, Record> DEFAULTS = Map.of(
      "jsonl", JsonlSource.Options.defaults(), "parquet", ColumnarOptions.defaults(),
      "arrow", ColumnarOptions.defaults());

  static final Components COMPONENTS = new Components() {
    @Override
    @SuppressWarnings("unchecked")
    public <P extends Provider<?>> Bound<P> resolve(Class<? super P> kind, ComponentRef ref) {
      for (P p : this.<P>all(kind)) {
        if (p.id().equals(ref.uses())) {
          return new Bound<>(p, DEFAULTS.get(ref.uses()));
        }
      }
      throw new IllegalArgumentException(ref.uses());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <P extends Provider<?>> List<P> all(Class<? super P> kind) {
      if ((Class<?>) kind != DataSourceProvider.class) {
        return List.of();
      }
      return (List<P>) List.of(new JsonlSource(), new ParquetSource());
    }
  };

  @Test
  void jsonlAndParquetThroughTheStore() throws Exception {
    Path dir = Repo.root().resolve("tests/fixtures/pyarrow");
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      var e = assertThrows(Align4jException.class, () -> store.open(dir.resolve("conversations.parquet")));
      assertTrue(e.getMessage().contains("no data source recognises it"), e.getMessage());
      store.setComponents(COMPONENTS);
      assertEquals(300, store.count(dir.resolve("conversations.parquet")));
      List<Map<String, Object>> rows = new ArrayList<>();
      try (RowStream s = store.rows(dir.resolve("conversations.jsonl"))) {
        s.forEachRemaining(rows::add);
      }
      assertEquals(300, rows.size());
      assertEquals(List.of("messages", "system", "tags"), List.copyOf(rows.get(0).keySet()));
    }
  }
}
