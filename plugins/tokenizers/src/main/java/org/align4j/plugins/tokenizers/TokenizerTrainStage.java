package org.align4j.plugins.tokenizers;

import java.util.List;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;

/**
 * Stage {@code tokenizer-train}: trains a small BPE tokenizer in a real format from a corpus (a text file, a JSONL
 * file, an Arrow dataset such as the tasks stage's corpus, or a directory of them) and writes it as the {@code tokenizer} output directory ({@code tokenizer.json} +
 * {@code tokenizer_config.json} for llama3, {@code tokenizer.model} + {@code tokenizer_config.json} for llama2),
 * loadable by the {@code Tokenizers} service and by Hugging Face / SentencePiece.
 */
@ProviderInfo(id = "tokenizer-train",
    description = "trains a small BPE tokenizer (llama3 tokenizer.json or llama2 SentencePiece tokenizer.model) from a text/JSONL corpus")
@StagePort(input = "corpus",
    description = "a text, JSONL or Arrow IPC dataset file (all string values), or a directory of them")
@StagePort(output = "tokenizer",
    description = "directory with tokenizer.json or tokenizer.model, and tokenizer_config.json")
public final class TokenizerTrainStage implements Stage<TokenizerTrainStage.Options> {
  /** Options of {@code tokenizer-train}: the trainer's settings, written directly under {@code options:}. */
  public record Options(@Doc("format, vocab_size, min_frequency, reserved_special_tokens, character_coverage, field,"
      + " max_bytes, tiktoken") @Flat TokenizerTrainer.Config trainer) {}

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    TokenizerTrainer.Summary s = TokenizerTrainer.train(List.of(ctx.input("corpus")), ctx.output("tokenizer"), o.trainer(),
        p -> ctx.service(DatasetStore.class).rows(p), (file, content) -> ctx.writeAtomically(file, out -> out.write(content)));
    ctx.metrics().scalar("tokenizer/vocab_size", s.vocabSize(), 0);
    ctx.metrics().scalar("tokenizer/merges", s.merges(), 0);
  }
}
