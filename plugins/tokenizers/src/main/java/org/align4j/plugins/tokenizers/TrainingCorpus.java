package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;

/**
 * Reads a tokenizer training corpus: a plain UTF-8 text, JSONL or Arrow file, or a directory of them, told apart
 * by name and, failing that, by the first bytes. Texts are handed on in order, plain text in chunks so that a big
 * corpus need not fit in memory.
 */
final class TrainingCorpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainingCorpus() {}

  /** Feeds every text of a corpus file (plain text, or JSONL) or directory of them to {@code sink}. */
  static void readCorpus(Path p, String field, Consumer<String> sink) throws IOException {
    readCorpus(p, field, sink, null);
  }

  static boolean isArrow(byte[] head) {
    boolean file = head.length >= 6 && new String(head, 0, 6, StandardCharsets.ISO_8859_1).equals("ARROW1");
    boolean stream = head.length >= 4 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFF && (head[2] & 0xFF) == 0xFF
        && (head[3] & 0xFF) == 0xFF;
    return file || stream;
  }

  @SuppressWarnings("unchecked")
  private static void values(Object v, String field, Consumer<String> sink) {
    if (v instanceof CharSequence cs) {
      sink.accept(cs.toString());
    } else if (v instanceof Map<?, ?> m) {
      for (Object x : m.values()) {
        values(x, field, sink);
      }
    } else if (v instanceof Iterable<?> it) {
      for (Object x : it) {
        values(x, field, sink);
      }
    }
  }

  static void readCorpus(Path p, String field, Consumer<String> sink, TokenizerTrainer.ArrowRows arrow) throws IOException {
    if (Files.isDirectory(p)) {
      List<Path> files;
      try (Stream<Path> s = Files.walk(p)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        readCorpus(f, field, sink, arrow);
      }
      return;
    }
    if (!Files.isRegularFile(p)) {
      throw new Align4jException("tokenizer corpus not found: " + p);
    }
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".arrow") || name.endsWith(".arrows") || name.endsWith(".feather") || isArrow(TokenizerFiles.head(p))) {
      if (arrow == null) {
        throw new Align4jException(p + ": an Arrow dataset; read it through the tokenizer-train stage (which has the dataset store), "
            + "or pass a text/JSONL corpus");
      }
      var rows = arrow.open(p);
      while (rows.hasNext()) {
        Map<String, Object> row = rows.next();
        if (!field.isEmpty()) {
          if (!row.containsKey(field)) {
            throw new Align4jException(p + ": no column '" + field + "' (columns: " + row.keySet() + "); set the option field");
          }
          values(row.get(field), field, sink);
        } else {
          values(row, field, sink);
        }
      }
      if (rows instanceof AutoCloseable ac) {
        try {
          ac.close();
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
      return;
    }
    boolean jsonl = name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson");
    if (!jsonl && !name.endsWith(".txt")) {
      byte[] head = TokenizerFiles.head(p);
      int i = 0;
      while (i < head.length && Character.isWhitespace(head[i])) {
        i++;
      }
      jsonl = i < head.length && head[i] == '{';
    }
    if (!jsonl) {
      // streamed in chunks that end at a blank line (documents) or after ~1 MB, so big corpora fit in memory
      try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
        StringBuilder chunk = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
          chunk.append(line).append('\n');
          if ((line.isEmpty() && chunk.length() > 65_536) || chunk.length() > 1_048_576) {
            sink.accept(chunk.toString());
            chunk.setLength(0);
          }
        }
        if (chunk.length() > 0) {
          sink.accept(chunk.toString());
        }
      } catch (java.nio.charset.MalformedInputException e) {
        throw new Align4jException(p + ": not UTF-8 text; a tokenizer corpus is a UTF-8 text, JSONL or Arrow file");
      }
      return;
    }
    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new Align4jException(p + ": line " + no + ": malformed JSON (" + e.getOriginalMessage()
              + "); a JSONL corpus needs one JSON object per line");
        }
        if (!field.isEmpty()) {
          JsonNode f = n.get(field);
          if (f == null) {
            throw new Align4jException(p + ": line " + no + ": no field '" + field + "'; set the option field to the text field, or empty for all strings");
          }
          strings(f, sink);
        } else {
          strings(n, sink);
        }
      }
    }
  }

  private static void strings(JsonNode n, Consumer<String> sink) {
    if (n.isTextual()) {
      sink.accept(n.asText());
    } else if (n.isContainerNode()) {
      for (JsonNode c : n) {
        strings(c, sink);
      }
    }
  }
}
