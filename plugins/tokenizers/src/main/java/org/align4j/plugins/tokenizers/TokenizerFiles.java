package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.NoOptions;
import org.align4j.api.text.Tokenizer;

/**
 * Loads a tokenizer file (or a model directory holding {@code tokenizer.json} or {@code tokenizer.model}) by
 * content, without the engine: the same choice the core's {@code Tokenizers} service makes over all providers.
 */
public final class TokenizerFiles {
  private TokenizerFiles() {}

  /** The file a directory's tokenizer lives in: {@code tokenizer.json}, else {@code tokenizer.model}. */
  public static Path resolve(Path fileOrDir) {
    if (Files.isDirectory(fileOrDir)) {
      for (String n : List.of("tokenizer.json", "tokenizer.model")) {
        Path p = fileOrDir.resolve(n);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
      throw new Align4jException(fileOrDir + ": directory holds no tokenizer.json or tokenizer.model");
    }
    if (!Files.isRegularFile(fileOrDir)) {
      throw new Align4jException(fileOrDir + ": tokenizer file not found");
    }
    return fileOrDir;
  }

  static byte[] head(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(4096);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Loads by content with default options. */
  public static Tokenizer load(Path fileOrDir) {
    Path file = resolve(fileOrDir);
    byte[] head = head(file);
    try {
      HfTokenizerJsonProvider hf = new HfTokenizerJsonProvider();
      if (hf.recognizes(file, head)) {
        return hf.load(file, new NoOptions());
      }
      SentencePieceTokenizerProvider sp = new SentencePieceTokenizerProvider();
      if (sp.recognizes(file, head)) {
        return sp.load(file, new NoOptions());
      }
      TiktokenTokenizerProvider tt = new TiktokenTokenizerProvider();
      if (tt.recognizes(file, head)) {
        return tt.load(file, TiktokenTokenizerProvider.Options.defaults());
      }
    } catch (IOException e) {
      throw new Align4jException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
    throw new Align4jException(file + ": not a tokenizer file this build reads (expected a Hugging Face tokenizer.json, "
        + "a SentencePiece tokenizer.model protobuf or a tiktoken rank file)");
  }
}
