package org.align4j.launcher.text;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --tokenizer} and {@code --input} options of the commands that map JSON lines through a tokenizer. */
final class TokenizerInput {
  @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "tokenizer file or model directory")
  Path tokenizer;

  @Option(names = "--input", paramLabel = "FILE", description = "JSONL input (default: stdin)")
  Path input;
}
