package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import org.align4j.tokenizers.TokenizerFiles;

/** Shared input/output helpers of the text commands. */
final class TextIo {
  static final ObjectMapper JSON = new ObjectMapper();

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
