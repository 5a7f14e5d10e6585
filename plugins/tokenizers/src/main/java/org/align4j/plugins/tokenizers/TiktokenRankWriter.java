package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/** Writes a byte-level BPE vocabulary as a tiktoken rank file: one line per id, its bytes in base64 and the id. */
final class TiktokenRankWriter {
  private TiktokenRankWriter() {}

  static void write(ByteLevelBpeTraining.Vocabulary v, Path file, TokenizerTrainer.FileSink files) throws IOException {
    StringBuilder sb = new StringBuilder();
    Base64.Encoder enc = Base64.getEncoder();
    for (int i = 0; i < v.size(); i++) {
      sb.append(enc.encodeToString(v.tokens()[i])).append(' ').append(i).append('\n');
    }
    files.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII));
  }
}
