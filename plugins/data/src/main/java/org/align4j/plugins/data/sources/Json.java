package org.align4j.plugins.data.sources;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON values as the plain Java values of {@link org.align4j.toolkit.data.Rows}. */
public final class Json {
  private Json() {}

  /** Strict: a value followed by anything but white space (a second value, garbage) is an error. */
  static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  /** Parses one JSON object; the message of a failure says where in the line. */
  public static Map<String, Object> parseObject(String line) throws JsonProcessingException {
    JsonNode n = MAPPER.readTree(line);
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("expected a JSON object, got " + (n == null ? "nothing" : n.getNodeType().toString().toLowerCase()));
    }
    return object(n);
  }

  private static Map<String, Object> object(JsonNode n) {
    Map<String, Object> m = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> m.put(e.getKey(), toJava(e.getValue())));
    return m;
  }

  static Object toJava(JsonNode n) {
    switch (n.getNodeType()) {
      case OBJECT:
        return object(n);
      case ARRAY: {
        List<Object> l = new ArrayList<>(n.size());
        n.forEach(x -> l.add(toJava(x)));
        return l;
      }
      case STRING:
        return n.textValue();
      case NUMBER:
        if (n.isIntegralNumber()) {
          return n.canConvertToLong() ? (Object) n.longValue() : n.doubleValue();
        }
        return n.doubleValue();
      case BOOLEAN:
        return n.booleanValue();
      case NULL:
      case MISSING:
        return null;
      default:
        return n.asText();
    }
  }

  /** Writes a row as one JSON line (no trailing newline). Floats print as their shortest decimal. */
  public static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Float f) {
      if (f.isNaN() || f.isInfinite()) {
        g.writeNull();
      } else {
        g.writeNumber(f);
      }
    } else if (value instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        g.writeNull();
      } else {
        g.writeNumber(d);
      }
    } else if (value instanceof Number n) {
      g.writeNumber(n.longValue());
    } else if (value instanceof byte[] b) {
      g.writeBinary(b);
    } else if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (var e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else {
      g.writeString(value.toString());
    }
  }
}
