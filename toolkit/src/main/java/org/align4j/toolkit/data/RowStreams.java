package org.align4j.toolkit.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.NoSuchElementException;
import org.align4j.api.data.RowStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** {@link RowStream}s over Arrow readers. */
public final class RowStreams {
  private RowStreams() {}

  /**
   * The rows of {@code reader} (closed with the stream). Dictionary-encoded columns must already be
   * decoded ({@link org.align4j.api.data.DatasetStore#open} does that).
   */
  public static RowStream of(ArrowReader reader) throws IOException {
    VectorSchemaRoot batch = reader.getVectorSchemaRoot();
    Schema schema = batch.getSchema();
    return new RowStream() {
      int index;
      boolean loaded;
      boolean done;

      @Override
      public Schema schema() {
        return schema;
      }

      @Override
      public boolean hasNext() {
        if (done) {
          return false;
        }
        try {
          while (!loaded || index >= batch.getRowCount()) {
            if (!reader.loadNextBatch()) {
              done = true;
              return false;
            }
            loaded = true;
            index = 0;
          }
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public Map<String, Object> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return Rows.read(batch, index++);
      }

      @Override
      public void close() {
        try {
          reader.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}
