package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.stage.StageContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a small BPE tokenizer and writes it in a real format:
 * <ul>
 *   <li>{@code llama3}: byte-level BPE with Llama 3's split pattern, written as Hugging Face {@code tokenizer.json} +
 *       {@code tokenizer_config.json} (bos/eos, the Llama 3.0 chat template) with Llama 3.1's special tokens after the
 *       base vocabulary ({@code <|begin_of_text|>}, {@code <|start_header_id|>}, {@code <|eot_id|>}, {@code <|eom_id|>},
 *       ...); optionally also a tiktoken rank file {@code tokenizer.tiktoken}.
 *   <li>{@code llama2}: SentencePiece BPE {@code tokenizer.model} with Llama 2's settings (ids 0/1/2 =
 *       {@code <unk>}, {@code <s>}, {@code </s>}, 256 byte-fallback pieces, dummy prefix, split digits, identity
 *       normalization, whitespace-only pieces allowed).
 * </ul>
 * Deterministic for a given corpus and config.
 */
public final class TokenizerTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(TokenizerTrainer.class);

  /** The Llama 3.0 chat template, as in the released tokenizer_config.json. */
  public static final String LLAMA3_CHAT_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
      + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
      + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
      + "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}";

  /**
   * @param format {@code llama3} or {@code llama2}
   * @param vocabSize total ids including byte tokens and special tokens (at most: a small corpus may run out of pairs)
   * @param minFrequency a pair seen fewer times is not merged
   * @param reservedSpecialTokens llama3: special tokens after the base vocabulary (Llama 3: 256)
   * @param characterCoverage llama2: share of character occurrences that get their own piece (the rest falls back to bytes)
   * @param corpus how much of the corpus is read, and which field of a JSONL record
   * @param tiktoken llama3: also write {@code tokenizer.tiktoken} (base64 token + rank)
   */
  public record Config(
      @Doc("llama3 (byte-level BPE, tokenizer.json, Llama 3 special tokens) or llama2 (SentencePiece BPE tokenizer.model, <s> </s>)")
      @Default("llama3") String format,
      @Doc("total ids, including the 256 byte tokens and the special tokens") @Default("4096") int vocabSize,
      @Doc("pairs seen fewer times are not merged") @Default("2") int minFrequency,
      @Doc("llama3: special tokens after the base vocabulary (Llama 3 has 256)") @Default("256") int reservedSpecialTokens,
      @Doc("llama2: share of character occurrences that get a piece; the rest falls back to bytes") @Default("0.99995") double characterCoverage,
      @Doc("field, max_bytes") @Flat Corpus corpus,
      @Doc("llama3: also write tokenizer.tiktoken (base64 token + rank)") @Default("false") boolean tiktoken) {
    public Config {
      if (format == null) {
        format = "llama3";
      }
      if (!"llama3".equals(format) && !"llama2".equals(format)) {
        throw new IllegalArgumentException("format must be llama3 or llama2, got '" + format + "'");
      }
      if (reservedSpecialTokens < 16 || reservedSpecialTokens > 1024) {
        throw new IllegalArgumentException("reserved_special_tokens must be in [16, 1024], got " + reservedSpecialTokens);
      }
      int min = format.equals("llama3") ? 256 + reservedSpecialTokens + 1 : 3 + 256 + 1;
      if (vocabSize < min || vocabSize > 1_000_000) {
        throw new IllegalArgumentException("vocab_size must be in [" + min + ", 1000000] for format " + format + ", got " + vocabSize);
      }
      if (minFrequency < 1) {
        throw new IllegalArgumentException("min_frequency must be >= 1, got " + minFrequency);
      }
      if (!(characterCoverage > 0 && characterCoverage <= 1)) {
        throw new IllegalArgumentException("character_coverage must be in (0, 1], got " + characterCoverage);
      }
      if (corpus == null) {
        corpus = Corpus.ALL;
      }
    }

    public static Config llama3(int vocabSize) {
      return new Config("llama3", vocabSize, 2, 256, 0.99995, Corpus.ALL, false);
    }

    public static Config llama2(int vocabSize) {
      return new Config("llama2", vocabSize, 2, 256, 0.99995, Corpus.ALL, false);
    }
  }

  /**
   * What of the corpus is read; nested {@link Flat} in {@link Config}, so its keys stand with the trainer's others.
   *
   * @param field JSONL: the field holding text; empty means every string value of a record
   * @param maxBytes stop reading the corpus after this many bytes (0: all)
   */
  public record Corpus(
      @Doc("JSONL corpus: the field holding the text; empty: every string of a record") @Default("''") String field,
      @Doc("read at most this many characters of the corpus (0: all)") @Default("0") long maxBytes) {
    /** Every string of every record, the whole corpus. */
    public static final Corpus ALL = new Corpus("", 0);

    public Corpus {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("max_bytes must be >= 0, got " + maxBytes);
      }
      if (field == null) {
        field = "";
      }
    }
  }

  /** What was trained. */
  public record Summary(String format, int vocabSize, int merges, long distinctWords, long corpusBytes, Path file) {}

  private TokenizerTrainer() {}

  public static Summary train(Path corpus, Path outDir, Config c) throws IOException {
    return train(List.of(corpus), outDir, c);
  }

  public static Summary train(List<Path> corpus, Path outDir, Config c) throws IOException {
    return train(corpus, outDir, c, null);
  }

  /** Opens an Arrow dataset as rows (the engine's {@code DatasetStore}); null where there is none. */
  @FunctionalInterface
  public interface ArrowRows {
    java.util.Iterator<Map<String, Object>> open(Path p) throws IOException;
  }

  /**
   * Where the trained files go: {@link StageContext#writeAtomically} in a stage, so that a file is there whole
   * or not at all; a plain write where the caller owns the directory.
   */
  @FunctionalInterface
  public interface FileSink {
    void write(Path file, byte[] content) throws IOException;
  }

  /** As {@link #train(List, Path, Config)}; Arrow IPC corpus files are read through {@code arrow}. */
  public static Summary train(List<Path> corpus, Path outDir, Config c, ArrowRows arrow) throws IOException {
    return train(corpus, outDir, c, arrow, Files::write);
  }

  /** As {@link #train(List, Path, Config, ArrowRows)}, every file written through {@code files}. */
  public static Summary train(List<Path> corpus, Path outDir, Config c, ArrowRows arrow, FileSink files) throws IOException {
    long t0 = System.nanoTime();
    Map<String, long[]> words = new HashMap<>();
    long[] bytes = {0};
    boolean sp = c.format().equals("llama2");
    Consumer<String> sink = text -> {
      if (c.corpus().maxBytes() > 0 && bytes[0] >= c.corpus().maxBytes()) {
        return;
      }
      bytes[0] += text.length();
      if (sp) {
        for (String line : text.split("\n", -1)) {
          SentencePieceBpeTraining.countWords(line, words);
        }
      } else {
        ByteLevelBpeTraining.countWords(text, words);
      }
    };
    for (Path p : corpus) {
      TrainingCorpus.readCorpus(p, c.corpus().field(), sink, arrow);
    }
    if (words.isEmpty()) {
      throw new Align4jException("tokenizer corpus " + corpus + " holds no text" + (c.corpus().field().isEmpty() ? "" : " in field '" + c.corpus().field() + "'"));
    }
    Files.createDirectories(outDir);
    Summary s = sp ? trainSentencePiece(words, bytes[0], outDir, c, files) : trainByteLevel(words, bytes[0], outDir, c, files);
    if (s.vocabSize() < c.vocabSize()) {
      LOG.warn("tokenizer corpus too small for vocab_size {}: no pair occurs min_frequency={} times any more; the tokenizer "
          + "has {} ids (size the model's embedding from the tokenizer's vocabSize())", c.vocabSize(), c.minFrequency(), s.vocabSize());
    }
    LOG.info("trained {} tokenizer: {} ids, {} merges from {} distinct words ({} chars) in {} ms -> {}", s.format(), s.vocabSize(),
        s.merges(), s.distinctWords(), s.corpusBytes(), (System.nanoTime() - t0) / 1_000_000, s.file());
    return s;
  }

  /** Llama 3: byte-level BPE, written as tokenizer.json (+ tokenizer.tiktoken on request). */
  private static Summary trainByteLevel(Map<String, long[]> words, long bytes, Path outDir, Config c, FileSink files)
      throws IOException {
    var vocab = ByteLevelBpeTraining.learn(words, c.vocabSize() - 256 - c.reservedSpecialTokens(), c.minFrequency());
    List<String> specials = TiktokenTokenizer.llama31Specials(c.reservedSpecialTokens());
    Path json = HfTokenizerJsonWriter.write(vocab, specials, outDir, files);
    if (c.tiktoken()) {
      TiktokenRankWriter.write(vocab, outDir.resolve("tokenizer.tiktoken"), files);
    }
    return new Summary("llama3", vocab.size() + specials.size(), vocab.merges().length, words.size(), bytes, json);
  }

  /** Llama 2: SentencePiece BPE, written as tokenizer.model. */
  private static Summary trainSentencePiece(Map<String, long[]> words, long bytes, Path outDir, Config c, FileSink files)
      throws IOException {
    var learned = SentencePieceBpeTraining.learn(words, c);
    Path file = SentencePieceModelWriter.write(learned.pieces(), outDir, files);
    return new Summary("llama2", learned.pieces().size(), learned.merged(), words.size(), bytes, file);
  }

  /** {@code TokenizerTrainer CORPUS OUT_DIR [llama3|llama2] [VOCAB_SIZE]}: trains from the command line. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: TokenizerTrainer CORPUS OUT_DIR [llama3|llama2] [VOCAB_SIZE]");
      System.exit(2);
    }
    String format = args.length > 2 ? args[2] : "llama3";
    int vocab = args.length > 3 ? Integer.parseInt(args[3]) : 4096;
    Config c = format.equals("llama2") ? Config.llama2(vocab) : new Config("llama3", vocab, 2, 256, 0.99995, Corpus.ALL, true);
    Summary s = train(Path.of(args[0]), Path.of(args[1]), c);
    System.out.println(s);
  }
}
