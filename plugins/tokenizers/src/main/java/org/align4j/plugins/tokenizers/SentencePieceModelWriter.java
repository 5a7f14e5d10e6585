package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes SentencePiece pieces as {@code tokenizer.model} (the protobuf, with Llama 2's trainer and normalizer
 * settings) and the {@code tokenizer_config.json} that Hugging Face's {@code LlamaTokenizer} reads beside it.
 */
final class SentencePieceModelWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SentencePieceModelWriter() {}

  /** Writes both files into {@code outDir}; returns the {@code tokenizer.model} path. */
  static Path write(List<SentencePieceTokenizer.Piece> pieces, Path outDir, TokenizerTrainer.FileSink files) throws IOException {
    byte[] model = SentencePieceTokenizer.write(pieces, pieces.size(), 0, 1, 2);
    Path file = outDir.resolve("tokenizer.model");
    files.write(file, model);
    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("add_bos_token", true);
    cfg.put("add_eos_token", false);
    cfg.put("bos_token", "<s>");
    cfg.put("eos_token", "</s>");
    cfg.put("unk_token", "<unk>");
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("legacy", true);
    cfg.put("tokenizer_class", "LlamaTokenizer");
    files.write(outDir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
    return file;
  }
}
