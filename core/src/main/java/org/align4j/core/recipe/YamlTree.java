package org.align4j.core.recipe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.align4j.api.Align4jException;

/** Parses YAML into {@link YNode}s with locations. */
public final class YamlTree {
  private static final YAMLFactory FACTORY = new YAMLFactory();

  private YamlTree() {}

  public static YNode parse(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      var dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
      var in = java.nio.ByteBuffer.wrap(bytes);
      var out = java.nio.CharBuffer.allocate(bytes.length + 1);
      var r = dec.decode(in, out, true);
      if (r.isError()) {
        int at = in.position();
        int line = 1;
        for (int i = 0; i < at; i++) {
          line += bytes[i] == '\n' ? 1 : 0;
        }
        throw new Align4jException(file + ":" + line + ": not UTF-8 text (byte 0x" + String.format("%02X", bytes[at] & 0xff)
            + " at offset " + at + "); a recipe is a UTF-8 YAML file" + (line == 1 && at < 8 ? " (is this a binary file?)" : ""));
      }
      out.flip();
      String text = out.toString();
      if (text.indexOf('\0') >= 0) {
        int at = text.indexOf('\0');
        throw new Align4jException(file + ":" + (1 + text.substring(0, at).chars().filter(c -> c == '\n').count())
            + ": a NUL character; a recipe is a UTF-8 YAML text file (is this a binary file?)");
      }
      return parse(text, file.toString());
    } catch (IOException e) {
      throw new Align4jException("cannot read recipe " + file + ": " + e.getMessage(), e);
    }
  }

  public static YNode parse(String text, String fileName) {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return new YNode.YMap(new Location(fileName, 1, 1));
      }
      return read(p, fileName);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // YAML indents with spaces; the parser reports a tab at the line before, so name the line holding it
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String ind = lines[i].substring(0, lines[i].length() - lines[i].stripLeading().length());
        if (ind.indexOf('\t') >= 0) {
          throw new Align4jException(fileName + ":" + (i + 1) + ":" + (ind.indexOf('\t') + 1)
              + ": invalid YAML: a tab in the indentation; YAML indents with spaces");
        }
      }
      var l = e.getLocation();
      String where = l == null ? fileName : fileName + ":" + l.getLineNr() + ":" + l.getColumnNr();
      throw new Align4jException(where + ": invalid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Align4jException(fileName + ": cannot parse YAML: " + e.getMessage(), e);
    }
  }

  private static Location loc(JsonParser p, String file) {
    var l = p.currentTokenLocation();
    return new Location(file, l.getLineNr(), l.getColumnNr());
  }

  private static YNode read(JsonParser p, String file) throws IOException {
    JsonToken t = p.currentToken();
    Location here = loc(p, file);
    switch (t) {
      case START_OBJECT -> {
        var m = new YNode.YMap(here);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          Location kl = loc(p, file);
          if (m.values.containsKey(key)) {
            throw new Align4jException(kl + ": duplicate key '" + key + "' (first at " + m.keyLoc(key) + ")");
          }
          p.nextToken();
          m.put(key, kl, read(p, file));
        }
        return m;
      }
      case START_ARRAY -> {
        var l = new YNode.YList(here);
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.items.add(read(p, file));
        }
        return l;
      }
      case VALUE_STRING -> {
        return new YNode.YScalar(p.getText(), here);
      }
      case VALUE_NUMBER_INT -> {
        return new YNode.YScalar(p.getLongValue(), here);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new YNode.YScalar(p.getDoubleValue(), here);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new YNode.YScalar(p.getBooleanValue(), here);
      }
      case VALUE_NULL -> {
        return new YNode.YScalar(null, here);
      }
      default -> throw new Align4jException(here + ": unsupported YAML token " + t);
    }
  }

  /** A scalar written on the command line ({@code --set k=v}) or in {@code @Default}: parsed as YAML. */
  public static YNode parseValue(String text, Location where) {
    YNode n;
    try {
      n = parse(text, where.file());
    } catch (Align4jException e) {
      return new YNode.YScalar(text, where);
    }
    return relocate(n, where);
  }

  private static YNode relocate(YNode n, Location where) {
    if (n instanceof YNode.YScalar s) {
      Object v = s.value();
      // YAML 1.1 reads 1e-5 as a string; recipes mean a number.
      if (v instanceof String str && str.matches("[-+]?\\d+(\\.\\d*)?[eE][-+]?\\d+")) {
        v = Double.parseDouble(str);
      }
      return new YNode.YScalar(v, where);
    }
    if (n instanceof YNode.YMap m) {
      var out = new YNode.YMap(where);
      m.values.forEach((k, v) -> out.put(k, where, relocate(v, where)));
      return out;
    }
    var l = (YNode.YList) n;
    var out = new YNode.YList(where);
    l.items.forEach(i -> out.items.add(relocate(i, where)));
    return out;
  }
}
