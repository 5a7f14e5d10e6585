package org.align4j.plugins.data.tasks;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.align4j.api.Align4jException;

/**
 * The {@code check} column of a task row: what the checker needs, as {@code key=value;key=value} with
 * {@code %}-escaping of {@code ; = %}. Readable in a data dump, parseable without JSON.
 */
public final class Check {
  private Check() {}

  public static String encode(Map<String, String> spec) {
    StringBuilder sb = new StringBuilder();
    for (var e : spec.entrySet()) {
      if (sb.length() > 0) {
        sb.append(';');
      }
      sb.append(escape(e.getKey())).append('=').append(escape(e.getValue()));
    }
    return sb.toString();
  }

  public static Map<String, String> decode(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s == null || s.isEmpty()) {
      return out;
    }
    for (String part : s.split(";", -1)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new Align4jException("task check spec '" + s + "': part '" + part + "' has no '='; expected key=value;key=value");
      }
      out.put(unescape(part.substring(0, eq)), unescape(part.substring(eq + 1)));
    }
    return out;
  }

  private static String escape(String s) {
    return s.replace("%", "%25").replace(";", "%3B").replace("=", "%3D");
  }

  private static String unescape(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
