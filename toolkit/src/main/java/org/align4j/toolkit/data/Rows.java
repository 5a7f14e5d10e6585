package org.align4j.toolkit.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.LargeVarBinaryVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Rows as plain Java values (the value model of {@link org.align4j.api.data.RowStream}), and their
 * conversion to and from Arrow vectors.
 */
public final class Rows {
  private Rows() {}

  /** Throws a message saying what to add when the JVM lacks {@code --add-opens=java.base/java.nio=ALL-UNNAMED}. */
  public static void requireArrowAccess() {
    Module base = Object.class.getModule();
    if (!base.isOpen("java.nio", Rows.class.getModule())) {
      throw new Align4jException(
          "Apache Arrow needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED on Java 17+;"
              + " add it to the java command line (or JAVA_TOOL_OPTIONS / MAVEN_OPTS / Surefire argLine)");
    }
  }

  /** Row {@code index} of {@code root} as a map, in schema order. */
  public static Map<String, Object> read(VectorSchemaRoot root, int index) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (FieldVector v : root.getFieldVectors()) {
      row.put(v.getName(), get(v, index));
    }
    return row;
  }

  /** The value at {@code index} as a plain Java value (see the class comment). */
  public static Object get(ValueVector v, int index) {
    if (v.isNull(index)) {
      return null;
    }
    if (v instanceof VarCharVector s) {
      return new String(s.get(index), StandardCharsets.UTF_8);
    }
    if (v instanceof LargeVarCharVector s) {
      return new String(s.get(index), StandardCharsets.UTF_8);
    }
    if (v instanceof ViewVarCharVector s) {
      return new String(s.get(index), StandardCharsets.UTF_8);
    }
    if (v instanceof IntVector x) {
      return x.get(index);
    }
    if (v instanceof BigIntVector x) {
      return x.get(index);
    }
    if (v instanceof TinyIntVector x) {
      return x.get(index);
    }
    if (v instanceof SmallIntVector x) {
      return x.get(index);
    }
    if (v instanceof UInt1Vector x) {
      return (int) x.getValueAsLong(index);
    }
    if (v instanceof UInt2Vector x) {
      return (int) x.get(index);
    }
    if (v instanceof UInt4Vector x) {
      return x.getValueAsLong(index);
    }
    if (v instanceof UInt8Vector x) {
      return x.get(index);
    }
    if (v instanceof Float4Vector x) {
      return x.get(index);
    }
    if (v instanceof Float8Vector x) {
      return x.get(index);
    }
    if (v instanceof Float2Vector x) {
      return x.getValueAsFloat(index);
    }
    if (v instanceof BitVector x) {
      return x.get(index) != 0;
    }
    if (v instanceof VarBinaryVector x) {
      return x.get(index);
    }
    if (v instanceof LargeVarBinaryVector x) {
      return x.get(index);
    }
    if (v instanceof ListVector l) {
      return listValues(l.getDataVector(), l.getElementStartIndex(index), l.getElementEndIndex(index));
    }
    if (v instanceof LargeListVector l) {
      return listValues(
          l.getDataVector(), (int) l.getElementStartIndex(index), (int) l.getElementEndIndex(index));
    }
    if (v instanceof FixedSizeListVector l) {
      int n = l.getListSize();
      return listValues(l.getDataVector(), index * n, index * n + n);
    }
    if (v instanceof StructVector s) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String name : s.getChildFieldNames()) {
        m.put(name, get(s.getChild(name), index));
      }
      return m;
    }
    Object o = v.getObject(index);
    return o == null ? null : o.toString();
  }

  private static List<Object> listValues(ValueVector data, int start, int end) {
    List<Object> out = new ArrayList<>(end - start);
    for (int i = start; i < end; i++) {
      out.add(get(data, i));
    }
    return out;
  }

  /**
   * Writes {@code row} at {@code index}: each vector of {@code root} takes the row's value of the same
   * name (absent = null). Call {@code root.allocateNew()} before the first row of a batch and
   * {@code root.setRowCount(n)} after the last.
   *
   * @throws IllegalArgumentException naming the field when a value does not fit its column's type
   */
  public static void write(VectorSchemaRoot root, int index, Map<String, ?> row) {
    for (FieldVector v : root.getFieldVectors()) {
      set(v, index, row.get(v.getName()), v.getName());
    }
  }

  /** Sets one value; {@code path} names the field in error messages. */
  public static void set(ValueVector v, int index, Object value, String path) {
    if (value == null) {
      setNull(v, index);
      return;
    }
    try {
      setValue(v, index, value, path);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(
          "field '" + path + "': a " + describe(value) + " does not fit the column type " + typeOf(v));
    }
  }

  private static void setNull(ValueVector v, int index) {
    if (v instanceof BaseFixedWidthVector f) {
      f.setNull(index);
    } else if (v instanceof VarCharVector s) {
      s.setNull(index);
    } else if (v instanceof LargeVarCharVector s) {
      s.setNull(index);
    } else if (v instanceof VarBinaryVector s) {
      s.setNull(index);
    } else if (v instanceof ListVector l) {
      l.setNull(index);
    } else if (v instanceof LargeListVector l) {
      l.setNull(index);
    } else if (v instanceof StructVector s) {
      s.setNull(index);
    } else {
      throw new IllegalArgumentException("cannot write null into a " + typeOf(v) + " column");
    }
  }

  private static void setValue(ValueVector v, int index, Object value, String path) {
    if (v instanceof VarCharVector s) {
      s.setSafe(index, text(value, path).getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof LargeVarCharVector s) {
      s.setSafe(index, text(value, path).getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof IntVector x) {
      x.setSafe(index, toInt(number(value, path), path));
    } else if (v instanceof BigIntVector x) {
      x.setSafe(index, integral(number(value, path), path));
    } else if (v instanceof TinyIntVector x) {
      long n = integral(number(value, path), path);
      if (n < Byte.MIN_VALUE || n > Byte.MAX_VALUE) {
        throw new IllegalArgumentException("field '" + path + "': " + n + " is outside int8 [-128, 127]");
      }
      x.setSafe(index, (byte) n);
    } else if (v instanceof SmallIntVector x) {
      long n = integral(number(value, path), path);
      if (n < Short.MIN_VALUE || n > Short.MAX_VALUE) {
        throw new IllegalArgumentException("field '" + path + "': " + n + " is outside int16");
      }
      x.setSafe(index, (short) n);
    } else if (v instanceof Float4Vector x) {
      x.setSafe(index, number(value, path).floatValue());
    } else if (v instanceof Float8Vector x) {
      x.setSafe(index, number(value, path).doubleValue());
    } else if (v instanceof BitVector x) {
      if (!(value instanceof Boolean b)) {
        throw new IllegalArgumentException("field '" + path + "': expected true/false, got " + describe(value));
      }
      x.setSafe(index, b ? 1 : 0);
    } else if (v instanceof VarBinaryVector x) {
      x.setSafe(index, (byte[]) value);
    } else if (v instanceof ListVector l && value instanceof int[] a && l.getDataVector() instanceof IntVector iv) {
      int start = l.startNewValue(index); // token ids: no boxing
      for (int i = 0; i < a.length; i++) {
        iv.setSafe(start + i, a[i]);
      }
      l.endValue(index, a.length);
    } else if (v instanceof ListVector l && value instanceof byte[] a && l.getDataVector() instanceof TinyIntVector tv) {
      int start = l.startNewValue(index); // loss masks: no boxing
      for (int i = 0; i < a.length; i++) {
        tv.setSafe(start + i, a[i]);
      }
      l.endValue(index, a.length);
    } else if (v instanceof ListVector l) {
      List<?> items = asList(value, path);
      int start = l.startNewValue(index);
      ValueVector data = l.getDataVector();
      for (int i = 0; i < items.size(); i++) {
        set(data, start + i, items.get(i), path + "[" + i + "]");
      }
      l.endValue(index, items.size());
    } else if (v instanceof LargeListVector l) {
      List<?> items = asList(value, path);
      long start = l.startNewValue(index);
      ValueVector data = l.getDataVector();
      for (int i = 0; i < items.size(); i++) {
        set(data, (int) (start + i), items.get(i), path + "[" + i + "]");
      }
      l.endValue(index, items.size());
    } else if (v instanceof StructVector s) {
      Map<?, ?> m;
      if (value instanceof Message msg) {
        m = Map.of(Schemas.ROLE, msg.role(), Schemas.CONTENT, msg.content());
      } else if (value instanceof Map<?, ?> mm) {
        m = mm;
      } else {
        throw new IllegalArgumentException("field '" + path + "': expected an object, got " + describe(value));
      }
      s.setIndexDefined(index);
      for (String name : s.getChildFieldNames()) {
        set(s.getChild(name), index, m.get(name), path + "." + name);
      }
    } else {
      throw new IllegalArgumentException("field '" + path + "': writing " + typeOf(v) + " columns is not supported");
    }
  }

  private static String text(Object value, String path) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw new IllegalArgumentException("field '" + path + "': expected a string, got " + describe(value));
  }

  private static Number number(Object value, String path) {
    if (value instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException("field '" + path + "': expected a number, got " + describe(value));
  }

  private static long integral(Number n, String path) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (d != Math.rint(d)) {
        throw new IllegalArgumentException("field '" + path + "': expected an integer, got " + d);
      }
      return (long) d;
    }
    return n.longValue();
  }

  private static int toInt(Number n, String path) {
    long l = integral(n, path);
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("field '" + path + "': " + l + " is outside int32");
    }
    return (int) l;
  }

  /** A list value as a {@link List} ({@code int[]} and other primitive arrays are boxed). */
  public static List<?> asList(Object value, String path) {
    if (value instanceof List<?> l) {
      return l;
    }
    if (value instanceof int[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (int x : a) {
        l.add(x);
      }
      return l;
    }
    if (value instanceof byte[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (byte x : a) {
        l.add(x);
      }
      return l;
    }
    if (value instanceof long[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (long x : a) {
        l.add(x);
      }
      return l;
    }
    if (value instanceof float[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (float x : a) {
        l.add(x);
      }
      return l;
    }
    if (value instanceof double[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (double x : a) {
        l.add(x);
      }
      return l;
    }
    throw new IllegalArgumentException("field '" + path + "': expected a list, got " + describe(value));
  }

  /**
   * Row {@code index} of a {@code list<int*>} column as {@code int[]} without boxing (token ids), or null.
   */
  public static int[] intArray(ValueVector listVector, int index) {
    ListVector l = (ListVector) listVector;
    if (l.isNull(index)) {
      return null;
    }
    int start = l.getElementStartIndex(index);
    int n = l.getElementEndIndex(index) - start;
    int[] out = new int[n];
    ValueVector data = l.getDataVector();
    if (data instanceof IntVector iv) {
      for (int i = 0; i < n; i++) {
        out[i] = iv.get(start + i);
      }
    } else if (data instanceof TinyIntVector tv) {
      for (int i = 0; i < n; i++) {
        out[i] = tv.get(start + i);
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = ((Number) get(data, start + i)).intValue();
      }
    }
    return out;
  }

  /** Row {@code index} of a {@code list<int8>} column (loss masks) as {@code byte[]}, or null. */
  public static byte[] byteArray(ValueVector listVector, int index) {
    int[] a = intArray(listVector, index);
    if (a == null) {
      return null;
    }
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) a[i];
    }
    return out;
  }

  /** A list of numbers (or {@code int[]}/{@code byte[]}) as {@code int[]}; null stays null. */
  public static int[] ints(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof int[] a) {
      return a;
    }
    if (value instanceof byte[] b) {
      int[] out = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        out[i] = b[i];
      }
      return out;
    }
    List<?> l = asList(value, "value");
    int[] out = new int[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) l.get(i)).intValue();
    }
    return out;
  }

  /** A list of numbers as {@code byte[]} (loss masks); null stays null. */
  public static byte[] bytes(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof byte[] b) {
      return b;
    }
    int[] a = ints(value);
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) a[i];
    }
    return out;
  }

  /** A conversation value ({@code list<struct<role, content>>} as read) as messages; null stays null. */
  public static List<Message> messages(Object value) {
    if (value == null) {
      return null;
    }
    List<?> l = asList(value, "messages");
    List<Message> out = new ArrayList<>(l.size());
    for (Object o : l) {
      if (o instanceof Message m) {
        out.add(m);
      } else if (o instanceof Map<?, ?> m) {
        Object role = m.get(Schemas.ROLE);
        Object content = m.get(Schemas.CONTENT);
        out.add(Message.fromRow(role == null ? null : role.toString(), content == null ? "" : content.toString()));
      } else {
        throw new IllegalArgumentException("a message must be a {role, content} struct, got " + describe(o));
      }
    }
    return out;
  }

  /** Messages as a conversation value for {@link #write}. */
  public static List<Map<String, Object>> conversation(List<Message> messages) {
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (Message m : messages) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put(Schemas.ROLE, m.role());
      s.put(Schemas.CONTENT, m.rowContent());
      out.add(s);
    }
    return out;
  }

  /**
   * What a program reward needs from a row: every non-null scalar column as a string (lists and structs
   * such as {@code messages} or {@code prompt} are left out). Pass it to
   * {@link org.align4j.api.reward.Reward#score}.
   */
  public static Map<String, String> metadata(Map<String, ?> row) {
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : row.entrySet()) {
      Object v = e.getValue();
      if (v instanceof String || v instanceof Number || v instanceof Boolean) {
        out.put(e.getKey(), v.toString());
      }
    }
    return out;
  }

  /**
   * Why {@code value} cannot be written to a column of type {@code field}, or null when it can.
   * {@code path} names the field in the message ({@code messages[2].role}). Use it to validate a row
   * before writing, so a bad row can be skipped without leaving half a row in the batch.
   */
  public static String problem(Field field, Object value, String path) {
    if (value == null) {
      return field.isNullable() ? null : "field '" + path + "' is required (null or missing)";
    }
    ArrowType t = field.getType();
    switch (t.getTypeID()) {
      case Utf8, LargeUtf8, Utf8View:
        return value instanceof String || value instanceof Number || value instanceof Boolean
            ? null
            : "field '" + path + "': expected a string, got " + describe(value);
      case Int: {
        if (!(value instanceof Number n)) {
          return "field '" + path + "': expected an integer, got " + describe(value);
        }
        if ((n instanceof Double || n instanceof Float) && n.doubleValue() != Math.rint(n.doubleValue())) {
          return "field '" + path + "': expected an integer, got " + n;
        }
        int bits = ((ArrowType.Int) t).getBitWidth();
        long l = n.longValue();
        if (bits < 64 && (l < -(1L << (bits - 1)) || l >= (1L << (bits - 1)))) {
          return "field '" + path + "': " + l + " is outside int" + bits;
        }
        return null;
      }
      case FloatingPoint:
        return value instanceof Number ? null : "field '" + path + "': expected a number, got " + describe(value);
      case Bool:
        return value instanceof Boolean ? null : "field '" + path + "': expected true/false, got " + describe(value);
      case List, LargeList, FixedSizeList: {
        List<?> items;
        try {
          items = asList(value, path);
        } catch (IllegalArgumentException e) {
          return e.getMessage();
        }
        Field item = field.getChildren().get(0);
        for (int i = 0; i < items.size(); i++) {
          String p = problem(item, items.get(i), path + "[" + i + "]");
          if (p != null) {
            return p;
          }
        }
        return null;
      }
      case Struct: {
        Map<?, ?> m;
        if (value instanceof Message msg) {
          m = Map.of(Schemas.ROLE, msg.role(), Schemas.CONTENT, msg.content());
        } else if (value instanceof Map<?, ?> mm) {
          m = mm;
        } else {
          return "field '" + path + "': expected an object, got " + describe(value);
        }
        for (Field c : field.getChildren()) {
          String p = problem(c, m.get(c.getName()), path + "." + c.getName());
          if (p != null) {
            return p;
          }
        }
        for (Object k : m.keySet()) {
          if (field.getChildren().stream().noneMatch(c -> c.getName().equals(k))) {
            return "field '" + path + "." + k + "' is not in the schema (fields: "
                + field.getChildren().stream().map(Field::getName).toList() + ")";
          }
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** The first problem of {@code row} against {@code schema} (see {@link #problem(Field, Object, String)}), or null. */
  public static String problem(org.apache.arrow.vector.types.pojo.Schema schema, Map<String, ?> row) {
    for (Field f : schema.getFields()) {
      String p = problem(f, row.get(f.getName()), f.getName());
      if (p != null) {
        return p;
      }
    }
    for (String k : row.keySet()) {
      if (schema.getFields().stream().noneMatch(f -> f.getName().equals(k))) {
        return "field '" + k + "' is not in the schema (columns: "
            + schema.getFields().stream().map(Field::getName).toList() + ")";
      }
    }
    return null;
  }

  static String describe(Object value) {
    if (value instanceof String s) {
      return "string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
    if (value instanceof List<?>) {
      return "list";
    }
    if (value instanceof Map<?, ?>) {
      return "object";
    }
    if (value instanceof Number n) {
      return "number " + n;
    }
    if (value instanceof Boolean b) {
      return "boolean " + b;
    }
    return value.getClass().getSimpleName();
  }

  private static String typeOf(ValueVector v) {
    Field f = v.getField();
    return f.getType().toString();
  }
}
