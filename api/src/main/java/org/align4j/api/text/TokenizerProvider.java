package org.align4j.api.text;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Provider;

/** Loads one tokenizer file format. The core's loader asks each provider whether it recognises a file by content. */
public interface TokenizerProvider<O extends Record> extends Provider<O> {
  /**
   * Whether this provider reads {@code file}; decided from its content ({@code head} holds its first bytes),
   * not its name: a {@code tokenizer.model} may be a SentencePiece protobuf or tiktoken lines.
   */
  boolean recognizes(Path file, byte[] head);

  /** Loads the file; a malformed file raises {@link org.align4j.api.Align4jException} naming the file and the problem. */
  Tokenizer load(Path file, O options) throws IOException;
}
