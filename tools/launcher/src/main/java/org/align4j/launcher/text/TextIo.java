package org.align4j.launcher.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import org.align4j.plugins.tokenizers.TokenizerFiles;

/** Shared input/output helpers of the text commands. */
final class TextIo {
  /** Strict: a line holding a value followed by anything but white space is an error, not the first value. */
  static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  /** Reads a sequence of root values from one parser (each one whole; the parser itself rejects garbage). */
  private static final ObjectMapper SEQUENCE = new ObjectMapper();

  /** A JSON value of an input and the line it starts on. */
  record Located(JsonNode value, int line) {}

  /**
   * Every JSON value of an input, in order: one per line (JSON Lines) or whole documents over several lines.
   * Anything that is not a JSON value (trailing garbage included) is an error naming the input and line.
   */
  static List<Located> values(BufferedReader r, String name) throws IOException {
    List<Located> out = new ArrayList<>();
    try (JsonParser p = SEQUENCE.createParser(r)) {
      while (p.nextToken() != null) {
        int line = p.currentTokenLocation().getLineNr();
        out.add(new Located(SEQUENCE.readTree(p), line));
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new Align4jException(name + ": line " + line + ": malformed JSON: " + e.getOriginalMessage());
    }
    return out;
  }

  private TextIo() {}

  static BufferedReader open(Path input) throws IOException {
    if (input == null || input.toString().equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    if (!Files.isRegularFile(input)) {
      throw new Align4jException("input file not found: " + input);
    }
    return Files.newBufferedReader(input, StandardCharsets.UTF_8);
  }

  static String name(Path input) {
    return input == null ? "<stdin>" : input.toString();
  }

  static Tokenizer tokenizer(Path p) {
    return TokenizerFiles.load(p);
  }

  /** Writes an int array as a JSON array. */
  static void ints(StringBuilder sb, int[] a) {
    sb.append('[');
    for (int i = 0; i < a.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(a[i]);
    }
    sb.append(']');
  }
}
