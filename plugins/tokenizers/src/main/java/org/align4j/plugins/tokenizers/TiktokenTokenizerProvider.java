package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.TokenizerProvider;

/** tiktoken rank files (Llama 3's original {@code tokenizer.model}) with Llama 3's pattern and special tokens. */
public final class TiktokenTokenizerProvider implements TokenizerProvider<TiktokenTokenizerProvider.Options> {
  /** Options. */
  public record Options(
      @Doc("special token names after the base vocabulary: llama3.1 (with <|eom_id|>, <|python_tag|>) or llama3.0")
      @Default("llama3.1") String specials,
      @Doc("number of special tokens (Llama 3: 256)") @Default("256") int reservedSpecialTokens,
      @Doc("pre-tokenizer regex; empty means Llama 3's") @Default("''") String pattern) {
    public Options {
      if (specials == null) {
        specials = "llama3.1";
      }
      if (!specials.equals("llama3.1") && !specials.equals("llama3.0")) {
        throw new IllegalArgumentException("specials must be llama3.1 or llama3.0, got '" + specials + "'");
      }
      if (reservedSpecialTokens < 16 || reservedSpecialTokens > 100_000) {
        throw new IllegalArgumentException("reserved_special_tokens must be in [16, 100000], got " + reservedSpecialTokens);
      }
      if (pattern == null) {
        pattern = "";
      }
    }

    public static Options defaults() {
      return new Options("llama3.1", 256, "");
    }
  }

  @Override
  public String id() {
    return TiktokenTokenizer.FORMAT;
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "tiktoken rank file (Llama 3 tokenizer.model: base64 token + rank per line), pure Java";
  }

  @Override
  public boolean recognizes(Path file, byte[] head) {
    int nl = 0;
    while (nl < head.length && head[nl] != '\n') {
      nl++;
    }
    if (nl == 0 || (nl == head.length && head.length >= 4096)) {
      return false;
    }
    String line = new String(head, 0, nl, java.nio.charset.StandardCharsets.ISO_8859_1).trim();
    return line.matches("[A-Za-z0-9+/]+={0,2} [0-9]+");
  }

  @Override
  public Tokenizer load(Path file, Options o) throws IOException {
    if (o == null) {
      o = Options.defaults();
    }
    var names = o.specials().equals("llama3.0")
        ? TiktokenTokenizer.llama30Specials(o.reservedSpecialTokens())
        : TiktokenTokenizer.llama31Specials(o.reservedSpecialTokens());
    return TiktokenTokenizer.load(file, names, o.pattern().isEmpty() ? Regexes.LLAMA3 : o.pattern());
  }
}
