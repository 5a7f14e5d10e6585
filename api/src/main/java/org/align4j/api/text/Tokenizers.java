package org.align4j.api.text;

import java.nio.file.Path;

/**
 * Engine service: loads a tokenizer file (or a model directory holding one) by content, asking every
 * {@link TokenizerProvider} whether it recognises the file. No format flag needed.
 */
public interface Tokenizers {
  /** The files a tokenizer may consist of, as Hugging Face saves them beside a model. */
  java.util.List<String> FILES = java.util.List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.model",
      "tokenizer.tiktoken", "special_tokens_map.json");

  Tokenizer load(Path fileOrDirectory);

  /** Whether {@code dir} holds a tokenizer file ({@code tokenizer.json}, {@code .model} or {@code .tiktoken}). */
  static boolean hasTokenizer(Path dir) {
    if (dir == null) {
      return false;
    }
    for (String f : java.util.List.of("tokenizer.json", "tokenizer.model", "tokenizer.tiktoken")) {
      if (java.nio.file.Files.isRegularFile(dir.resolve(f))) {
        return true;
      }
    }
    return false;
  }

  /** Copies a tokenizer (a file, or the tokenizer files of a directory) beside a saved model. */
  static void copyFiles(Path tokenizer, Path modelDir) throws java.io.IOException {
    var replace = java.nio.file.StandardCopyOption.REPLACE_EXISTING;
    Path dir = java.nio.file.Files.isDirectory(tokenizer) ? tokenizer : tokenizer.getParent();
    if (!java.nio.file.Files.isDirectory(tokenizer)) {
      java.nio.file.Files.copy(tokenizer, modelDir.resolve(tokenizer.getFileName()), replace);
    }
    if (dir == null) {
      return;
    }
    for (String f : FILES) {
      if (java.nio.file.Files.isRegularFile(dir.resolve(f))) {
        java.nio.file.Files.copy(dir.resolve(f), modelDir.resolve(f), replace);
      }
    }
  }
}
