package org.align4j.plugins.data.sources;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.align4j.api.Align4jException;
import org.align4j.toolkit.data.RowReader;
import org.align4j.toolkit.data.Rows;
import org.align4j.toolkit.data.SkippedRows;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Turns located source rows into validated batches: shape mapping, schema inference (raw JSON),
 * validation, and the {@code on_error} policy. A bad row under {@code fail} is an {@link Align4jException}
 * naming the file, the row (line) and the field; under {@code skip} it is counted and reported.
 */
public final class SourceRows {
  private SourceRows() {}

  /** A source row: where it is ({@code line 7} / {@code row 6}), its values, or why it could not be parsed. */
  public record Located(String where, Map<String, Object> row, String parseError) {}

  public static void checkOnError(String onError) {
    if (!"fail".equals(onError) && !"skip".equals(onError)) {
      throw new IllegalArgumentException("on_error must be fail or skip, got '" + onError + "'");
    }
  }

  public static void checkShape(String shape) {
    if (!Shapes.SHAPES.contains(shape)) {
      throw new IllegalArgumentException("shape must be one of " + Shapes.SHAPES + ", got '" + shape + "'");
    }
  }

  static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  /**
   * @param schema the source's own schema (columnar files) or null (JSON: inferred from the first
   *     {@code inferRows} rows for the raw shape)
   */
  public static ArrowReader reader(Path file, Iterator<Located> source, Schema schema, String shape, String onError,
      int batchSize, int inferRows, BufferAllocator allocator, AutoCloseable onClose) throws IOException {
    SkippedRows skipped = new SkippedRows(file.toString());
    boolean skip = "skip".equals(onError);
    Deque<Located> buffer = new ArrayDeque<>();
    // Look ahead: the first good row decides an auto shape; raw JSON infers its schema from inferRows rows.
    String chosen = shape;
    if (chosen.equals("auto")) {
      if (schema != null) {
        chosen = Shapes.detect(schema.getFields().stream().map(f -> f.getName()).toList());
      } else {
        while (source.hasNext()) {
          Located l = source.next();
          buffer.add(l);
          if (l.row() != null) {
            chosen = Shapes.detect(l.row().keySet());
            break;
          }
        }
        if (chosen.equals("auto")) {
          chosen = "raw";
        }
      }
    }
    Schema target = Shapes.schema(chosen);
    if (target == null) {
      target = schema;
    }
    if (target == null) {
      SchemaInference inf = new SchemaInference();
      while (buffer.size() < inferRows && source.hasNext()) {
        buffer.add(source.next());
      }
      Deque<Located> kept = new ArrayDeque<>();
      for (Located l : buffer) {
        if (l.row() == null) {
          kept.add(l);
          continue;
        }
        try {
          inf.add(l.row(), l.where());
          kept.add(l);
        } catch (IllegalArgumentException e) {
          if (!skip) {
            throw fail(file, l.where(), e.getMessage());
          }
          skipped.add(l.where() + ": " + e.getMessage());
        }
      }
      buffer = kept;
      target = inf.schema();
    }
    final String mapShape = chosen;
    final Schema out = target;
    final Deque<Located> head = buffer;
    Iterator<Map<String, Object>> rows = new Iterator<>() {
      Map<String, Object> next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          Located l;
          if (!head.isEmpty()) {
            l = head.poll();
          } else if (source.hasNext()) {
            l = source.next();
          } else {
            return false;
          }
          String problem = l.parseError();
          Map<String, Object> mapped = null;
          if (problem == null) {
            try {
              mapped = Shapes.map(mapShape, l.row());
              problem = Rows.problem(out, mapped);
              if (problem != null && mapShape.equals("raw") && problem.contains("is not in the schema")) {
                problem += "; the schema was inferred from the first " + inferRows + " rows: raise infer_rows";
              }
            } catch (IllegalArgumentException e) {
              problem = e.getMessage();
            }
          }
          if (problem == null) {
            next = mapped;
          } else if (skip) {
            skipped.add(l.where() + ": " + problem);
          } else {
            throw fail(file, l.where(), problem);
          }
        }
        return true;
      }

      @Override
      public Map<String, Object> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Map<String, Object> r = next;
        next = null;
        return r;
      }
    };
    return new RowReader(allocator, out, rows, batchSize, onClose, skipped);
  }

  static Align4jException fail(Path file, String where, String problem) {
    return new Align4jException(file + ": " + where + ": " + problem
        + ". Fix the row, or set on_error: skip to skip bad rows (they are counted and reported).");
  }
}
