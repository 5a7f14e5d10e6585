package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.NoOptions;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.TokenizerProvider;

/** SentencePiece BPE {@code tokenizer.model} protobuf files (Llama 2). */
public final class SentencePieceTokenizerProvider implements TokenizerProvider<NoOptions> {
  @Override
  public String id() {
    return SentencePieceTokenizer.FORMAT;
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "SentencePiece BPE tokenizer.model (protobuf; Llama 2), pure Java";
  }

  @Override
  public boolean recognizes(Path file, byte[] head) {
    // ModelProto starts with field 1 (pieces, length-delimited) whose message starts with field 1 (piece string)
    if (head.length < 4 || head[0] != 0x0A) {
      return false;
    }
    Proto.Reader r = new Proto.Reader(head, 1, head.length);
    try {
      long len = r.varint();
      return len > 2 && r.pos < head.length && head[r.pos] == 0x0A;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public Tokenizer load(Path file, NoOptions options) throws IOException {
    return SentencePieceTokenizer.load(file);
  }
}
