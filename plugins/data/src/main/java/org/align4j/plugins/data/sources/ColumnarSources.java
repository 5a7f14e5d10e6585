package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.align4j.api.data.RowStream;
import org.align4j.toolkit.data.BatchSequenceReader;
import org.align4j.toolkit.data.RowStreams;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** Shared by the Parquet and Arrow sources: raw passes batches through, shapes map row by row. */
final class ColumnarSources {
  private ColumnarSources() {}

  static ArrowReader open(Path file, BatchSequenceReader.Opener opener, String shape, String onError, int batchSize,
      BufferAllocator allocator, AutoCloseable extra) throws IOException {
    ArrowReader decoded = new BatchSequenceReader(allocator, List.of(file), opener, extra);
    try {
      Schema schema = decoded.getVectorSchemaRoot().getSchema();
      String chosen = shape.equals("auto") ? Shapes.detect(schema.getFields().stream().map(f -> f.getName()).toList()) : shape;
      if (chosen.equals("raw")) {
        return decoded;
      }
      RowStream rows = RowStreams.of(decoded);
      Iterator<SourceRows.Located> located = new Iterator<>() {
        long i;

        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public SourceRows.Located next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return new SourceRows.Located("row " + i++, rows.next(), null);
        }
      };
      return SourceRows.reader(file, located, schema, chosen, onError, batchSize, 1, allocator, rows);
    } catch (IOException | RuntimeException e) {
      decoded.close();
      throw e;
    }
  }
}
