package org.align4j.api.text;

import java.nio.file.Path;

/**
 * Engine service: loads a tokenizer file (or a model directory holding one) by content, asking every
 * {@link TokenizerProvider} whether it recognises the file. No format flag needed.
 */
public interface Tokenizers {
  Tokenizer load(Path fileOrDirectory);
}
