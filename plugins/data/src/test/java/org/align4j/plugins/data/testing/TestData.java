package org.align4j.plugins.data.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.RowStream;
import org.align4j.toolkit.data.RowStreams;
import org.apache.arrow.vector.ipc.ArrowReader;

/** Helpers: the repository root, rows of a reader, value normalisation for comparisons. */
public final class TestData {
  private TestData() {}

  public static List<Map<String, Object>> rows(ArrowReader reader) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (RowStream s = RowStreams.of(reader)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  /** Numbers to Long/Double, null-valued map entries dropped, recursively. */
  public static Object norm(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (var e : m.entrySet()) {
        if (e.getValue() != null) {
          out.put(String.valueOf(e.getKey()), norm(e.getValue()));
        }
      }
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(norm(x)));
      return out;
    }
    if (v instanceof Float f) {
      return (double) f;
    }
    if (v instanceof Double d) {
      return d;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    return v;
  }
}
