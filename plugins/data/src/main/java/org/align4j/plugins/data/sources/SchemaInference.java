package org.align4j.plugins.data.sources;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Infers an Arrow schema from JSON rows the way pyarrow's JSON reader does: integers int64, other numbers
 * float64 (integers and floats mixed give float64), strings utf8, booleans bool, arrays list, objects
 * struct; a column that is always null becomes utf8. Incompatible types (a string and a number in one
 * column) are an error naming both lines.
 */
final class SchemaInference {
  /** A type under construction. */
  private static final class T {
    String kind; // null (unknown), bool, int, float, str, list, struct
    T item;
    Map<String, T> fields;
    String firstSeen;

    void merge(Object v, String where, String path) {
      if (v == null) {
        return;
      }
      String k = kindOf(v);
      if (kind == null) {
        kind = k;
        firstSeen = where;
      } else if (!kind.equals(k)) {
        if ((kind.equals("int") && k.equals("float")) || (kind.equals("float") && k.equals("int"))) {
          kind = "float";
        } else {
          throw new IllegalArgumentException("field '" + path + "' is " + word(kind) + " at " + firstSeen + " but "
              + word(k) + " at " + where + "; make the column one type (or read it with a shape that maps it)");
        }
      }
      if (k.equals("list")) {
        if (item == null) {
          item = new T();
        }
        int i = 0;
        for (Object o : (List<?>) v) {
          item.merge(o, where, path + "[" + i++ + "]");
        }
      } else if (k.equals("struct")) {
        if (fields == null) {
          fields = new LinkedHashMap<>();
        }
        for (var e : ((Map<?, ?>) v).entrySet()) {
          fields.computeIfAbsent(String.valueOf(e.getKey()), x -> new T()).merge(e.getValue(), where, path + "." + e.getKey());
        }
      }
    }

    Field toField(String name) {
      if (kind == null) {
        return Schemas.utf8(name);
      }
      return switch (kind) {
        case "bool" -> Schemas.field(name, Schemas.BOOL);
        case "int" -> Schemas.field(name, Schemas.INT64);
        case "float" -> Schemas.field(name, Schemas.FLOAT64);
        case "str" -> Schemas.utf8(name);
        case "list" -> Schemas.listOf(name, (item == null ? new T() : item).toField("item"));
        default -> {
          List<Field> cs = new ArrayList<>();
          fields.forEach((n, t) -> cs.add(t.toField(n)));
          yield Schemas.struct(name, cs.toArray(Field[]::new));
        }
      };
    }
  }

  private static String kindOf(Object v) {
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Long || v instanceof Integer) {
      return "int";
    }
    if (v instanceof Number) {
      return "float";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof Map) {
      return "struct";
    }
    return "str";
  }

  private static String word(String kind) {
    return switch (kind) {
      case "int" -> "an integer";
      case "float" -> "a number";
      case "str" -> "a string";
      case "bool" -> "a boolean";
      case "list" -> "a list";
      default -> "an object";
    };
  }

  private final Map<String, T> columns = new LinkedHashMap<>();

  /** Adds one row; {@code where} names it ({@code line 7}). */
  void add(Map<String, ?> row, String where) {
    for (var e : row.entrySet()) {
      columns.computeIfAbsent(e.getKey(), x -> new T()).merge(e.getValue(), where, e.getKey());
    }
  }

  Schema schema() {
    List<Field> fs = new ArrayList<>();
    columns.forEach((n, t) -> fs.add(t.toField(n)));
    return new Schema(fs);
  }
}
