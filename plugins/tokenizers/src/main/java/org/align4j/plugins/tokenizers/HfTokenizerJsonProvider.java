package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.NoOptions;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.TokenizerProvider;

/**
 * Hugging Face {@code tokenizer.json} with a BPE model (byte-level like Llama 3, or SentencePiece-style like Llama 2 /
 * Mistral conversions); bos/eos from {@code tokenizer_config.json} beside it.
 */
public final class HfTokenizerJsonProvider implements TokenizerProvider<NoOptions> {
  @Override
  public String id() {
    return HfTokenizer.FORMAT;
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "Hugging Face tokenizer.json (BPE: byte-level or sentencepiece-style), pure Java";
  }

  @Override
  public boolean recognizes(Path file, byte[] head) {
    for (byte b : head) {
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        continue;
      }
      return b == '{';
    }
    return false;
  }

  @Override
  public Tokenizer load(Path file, NoOptions options) throws IOException {
    return HfTokenizer.load(file);
  }
}
