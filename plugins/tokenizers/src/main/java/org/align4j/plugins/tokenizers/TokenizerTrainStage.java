package org.align4j.plugins.tokenizers;

import java.util.List;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;

/**
 * Stage {@code tokenizer-train}: trains a small BPE tokenizer in a real format from a corpus (a text file, a JSONL
 * file, an Arrow dataset such as the tasks stage's corpus, or a directory of them) and writes it as the {@code tokenizer} output directory ({@code tokenizer.json} +
 * {@code tokenizer_config.json} for llama3, {@code tokenizer.model} + {@code tokenizer_config.json} for llama2),
 * loadable by the {@code Tokenizers} service and by Hugging Face / SentencePiece.
 */
public final class TokenizerTrainStage implements Stage<TokenizerTrainStage.Options> {
  /** Options of {@code tokenizer-train}. */
  public record Options(
      @Doc("llama3 (byte-level BPE, tokenizer.json, Llama 3 special tokens) or llama2 (SentencePiece BPE tokenizer.model, <s> </s>)")
      @Default("llama3") String format,
      @Doc("total ids, including the 256 byte tokens and the special tokens") @Default("4096") int vocabSize,
      @Doc("pairs seen fewer times are not merged") @Default("2") int minFrequency,
      @Doc("llama3: special tokens after the base vocabulary (Llama 3 has 256)") @Default("256") int reservedSpecialTokens,
      @Doc("llama2: share of character occurrences that get a piece; the rest falls back to bytes") @Default("0.99995") double characterCoverage,
      @Doc("JSONL corpus: the field holding the text; empty: every string of a record") @Default("''") String field,
      @Doc("read at most this many characters of the corpus (0: all)") @Default("0") long maxBytes,
      @Doc("llama3: also write tokenizer.tiktoken (base64 token + rank)") @Default("false") boolean tiktoken) {
    public Options {
      if (format == null) {
        format = "llama3";
      }
      if (field == null) {
        field = "";
      }
      config(format, vocabSize, minFrequency, reservedSpecialTokens, characterCoverage, field, maxBytes, tiktoken);
    }

    TokenizerTrainer.Config toConfig() {
      return config(format, vocabSize, minFrequency, reservedSpecialTokens, characterCoverage, field, maxBytes, tiktoken);
    }

    private static TokenizerTrainer.Config config(String format, int vocabSize, int minFrequency, int reserved, double coverage,
        String field, long maxBytes, boolean tiktoken) {
      return new TokenizerTrainer.Config(format, vocabSize, minFrequency, reserved, coverage, field, maxBytes, tiktoken);
    }
  }

  @Override
  public String id() {
    return "tokenizer-train";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "trains a small BPE tokenizer (llama3 tokenizer.json or llama2 SentencePiece tokenizer.model) from a text/JSONL corpus";
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("corpus", "a text, JSONL or Arrow IPC dataset file (all string values), or a directory of them"));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("tokenizer", "directory with tokenizer.json or tokenizer.model, and tokenizer_config.json"));
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    TokenizerTrainer.Summary s = TokenizerTrainer.train(List.of(ctx.input("corpus")), ctx.output("tokenizer"), o.toConfig(),
        p -> ctx.service(DatasetStore.class).rows(p), (file, content) -> ctx.writeAtomically(file, out -> out.write(content)));
    ctx.metrics().scalar("tokenizer/vocab_size", s.vocabSize(), 0);
    ctx.metrics().scalar("tokenizer/merges", s.merges(), 0);
  }
}
