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
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import org.align4j.plugins.tokenizers.TokenizerFiles;
import picocli.CommandLine.Model.CommandSpec;

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

  /** What a text command does once its options are parsed; it writes its results to {@code out}. */
  interface Body {
    void run(PrintWriter out) throws Exception;
  }

  /**
   * Runs a text command: exit code 0 once {@code body} has written and flushed its output; 2 with a one-line
   * {@code align4j <command>: <message>} on stderr when it fails with an {@link Align4jException}.
   */
  static int run(CommandSpec spec, String command, Body body) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try {
      body.run(out);
      out.flush();
      return 0;
    } catch (Align4jException e) {
      spec.commandLine().getErr().println("align4j " + command + ": " + e.getMessage());
      return 2;
    }
  }

  /** Receives one JSON line of an input and its 1-based line number. */
  interface JsonLine {
    void accept(JsonNode value, int lineNo) throws IOException;
  }

  /**
   * Reads a JSON Lines input in order, skipping blank lines; a line that is not one JSON value is an error
   * naming the input and line and saying what {@code expected} shape the command reads.
   */
  static void jsonLines(BufferedReader r, Path input, String expected, JsonLine each) throws IOException {
    String line;
    int lineNo = 0;
    while ((line = r.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (Exception e) {
        throw new Align4jException(name(input) + ": line " + lineNo + ": malformed JSON; expected " + expected);
      }
      each.accept(n, lineNo);
    }
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
