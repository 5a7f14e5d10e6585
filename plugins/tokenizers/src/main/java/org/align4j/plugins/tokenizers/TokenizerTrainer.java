package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
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
  private static final ObjectMapper JSON = new ObjectMapper();

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
   * @param field JSONL: the field holding text; empty means every string value of a record
   * @param maxBytes stop reading the corpus after this many bytes (0: all)
   * @param tiktoken llama3: also write {@code tokenizer.tiktoken} (base64 token + rank)
   */
  public record Config(String format, int vocabSize, int minFrequency, int reservedSpecialTokens, double characterCoverage,
      String field, long maxBytes, boolean tiktoken) {
    public Config {
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
      if (maxBytes < 0) {
        throw new IllegalArgumentException("max_bytes must be >= 0, got " + maxBytes);
      }
      if (field == null) {
        field = "";
      }
    }

    public static Config llama3(int vocabSize) {
      return new Config("llama3", vocabSize, 2, 256, 0.99995, "", 0, false);
    }

    public static Config llama2(int vocabSize) {
      return new Config("llama2", vocabSize, 2, 256, 0.99995, "", 0, false);
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

  /** As {@link #train(List, Path, Config)}; Arrow IPC corpus files are read through {@code arrow}. */
  public static Summary train(List<Path> corpus, Path outDir, Config c, ArrowRows arrow) throws IOException {
    long t0 = System.nanoTime();
    Map<String, long[]> words = new HashMap<>();
    long[] bytes = {0};
    boolean sp = c.format().equals("llama2");
    Consumer<String> sink = text -> {
      if (c.maxBytes() > 0 && bytes[0] >= c.maxBytes()) {
        return;
      }
      bytes[0] += text.length();
      if (sp) {
        for (String line : text.split("\n", -1)) {
          spWords(line, words);
        }
      } else {
        List<String> pieces = new ArrayList<>();
        Llama3Splitter.split(text, pieces);
        for (String p : pieces) {
          words.computeIfAbsent(p, k -> new long[1])[0]++;
        }
      }
    };
    for (Path p : corpus) {
      readCorpus(p, c.field(), sink, arrow);
    }
    if (words.isEmpty()) {
      throw new Align4jException("tokenizer corpus " + corpus + " holds no text" + (c.field().isEmpty() ? "" : " in field '" + c.field() + "'"));
    }
    Files.createDirectories(outDir);
    Summary s = sp ? trainSentencePiece(words, bytes[0], outDir, c) : trainByteLevel(words, bytes[0], outDir, c);
    if (s.vocabSize() < c.vocabSize()) {
      LOG.warn("tokenizer corpus too small for vocab_size {}: no pair occurs min_frequency={} times any more; the tokenizer "
          + "has {} ids (size the model's embedding from the tokenizer's vocabSize())", c.vocabSize(), c.minFrequency(), s.vocabSize());
    }
    LOG.info("trained {} tokenizer: {} ids, {} merges from {} distinct words ({} chars) in {} ms -> {}", s.format(), s.vocabSize(),
        s.merges(), s.distinctWords(), s.corpusBytes(), (System.nanoTime() - t0) / 1_000_000, s.file());
    return s;
  }

  // ------------------------------------------------------------------------------------------ corpus

  /** Feeds every text of a corpus file (plain text, or JSONL) or directory of them to {@code sink}. */
  static void readCorpus(Path p, String field, Consumer<String> sink) throws IOException {
    readCorpus(p, field, sink, null);
  }

  static boolean isArrow(byte[] head) {
    boolean file = head.length >= 6 && new String(head, 0, 6, StandardCharsets.ISO_8859_1).equals("ARROW1");
    boolean stream = head.length >= 4 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFF && (head[2] & 0xFF) == 0xFF
        && (head[3] & 0xFF) == 0xFF;
    return file || stream;
  }

  @SuppressWarnings("unchecked")
  private static void values(Object v, String field, Consumer<String> sink) {
    if (v instanceof CharSequence cs) {
      sink.accept(cs.toString());
    } else if (v instanceof Map<?, ?> m) {
      for (Object x : m.values()) {
        values(x, field, sink);
      }
    } else if (v instanceof Iterable<?> it) {
      for (Object x : it) {
        values(x, field, sink);
      }
    }
  }

  static void readCorpus(Path p, String field, Consumer<String> sink, ArrowRows arrow) throws IOException {
    if (Files.isDirectory(p)) {
      List<Path> files;
      try (Stream<Path> s = Files.walk(p)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        readCorpus(f, field, sink, arrow);
      }
      return;
    }
    if (!Files.isRegularFile(p)) {
      throw new Align4jException("tokenizer corpus not found: " + p);
    }
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".arrow") || name.endsWith(".arrows") || name.endsWith(".feather") || isArrow(TokenizerFiles.head(p))) {
      if (arrow == null) {
        throw new Align4jException(p + ": an Arrow dataset; read it through the tokenizer-train stage (which has the dataset store), "
            + "or pass a text/JSONL corpus");
      }
      var rows = arrow.open(p);
      while (rows.hasNext()) {
        Map<String, Object> row = rows.next();
        if (!field.isEmpty()) {
          if (!row.containsKey(field)) {
            throw new Align4jException(p + ": no column '" + field + "' (columns: " + row.keySet() + "); set the option field");
          }
          values(row.get(field), field, sink);
        } else {
          values(row, field, sink);
        }
      }
      if (rows instanceof AutoCloseable ac) {
        try {
          ac.close();
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
      return;
    }
    boolean jsonl = name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson");
    if (!jsonl && !name.endsWith(".txt")) {
      byte[] head = TokenizerFiles.head(p);
      int i = 0;
      while (i < head.length && Character.isWhitespace(head[i])) {
        i++;
      }
      jsonl = i < head.length && head[i] == '{';
    }
    if (!jsonl) {
      // streamed in chunks that end at a blank line (documents) or after ~1 MB, so big corpora fit in memory
      try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
        StringBuilder chunk = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
          chunk.append(line).append('\n');
          if ((line.isEmpty() && chunk.length() > 65_536) || chunk.length() > 1_048_576) {
            sink.accept(chunk.toString());
            chunk.setLength(0);
          }
        }
        if (chunk.length() > 0) {
          sink.accept(chunk.toString());
        }
      } catch (java.nio.charset.MalformedInputException e) {
        throw new Align4jException(p + ": not UTF-8 text; a tokenizer corpus is a UTF-8 text, JSONL or Arrow file");
      }
      return;
    }
    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new Align4jException(p + ": line " + no + ": malformed JSON (" + e.getOriginalMessage()
              + "); a JSONL corpus needs one JSON object per line");
        }
        if (!field.isEmpty()) {
          JsonNode f = n.get(field);
          if (f == null) {
            throw new Align4jException(p + ": line " + no + ": no field '" + field + "'; set the option field to the text field, or empty for all strings");
          }
          strings(f, sink);
        } else {
          strings(n, sink);
        }
      }
    }
  }

  private static void strings(JsonNode n, Consumer<String> sink) {
    if (n.isTextual()) {
      sink.accept(n.asText());
    } else if (n.isContainerNode()) {
      for (JsonNode c : n) {
        strings(c, sink);
      }
    }
  }

  // ------------------------------------------------------------------------------------------ llama3

  private static Summary trainByteLevel(Map<String, long[]> words, long bytes, Path outDir, Config c) throws IOException {
    List<String> keys = new ArrayList<>(words.keySet());
    keys.sort(Comparator.naturalOrder());
    List<int[]> syms = new ArrayList<>(keys.size());
    long[] counts = new long[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      byte[] b = keys.get(i).getBytes(StandardCharsets.UTF_8);
      int[] s = new int[b.length];
      for (int k = 0; k < b.length; k++) {
        s[k] = b[k] & 0xFF;
      }
      syms.add(s);
      counts[i] = words.get(keys.get(i))[0];
    }
    int maxMerges = c.vocabSize() - 256 - c.reservedSpecialTokens();
    BpeTrainer.Result r = BpeTrainer.train(syms, counts, 256, maxMerges, c.minFrequency());
    int base = 256 + r.merges().length;
    byte[][] tok = new byte[base][];
    for (int b = 0; b < 256; b++) {
      tok[b] = new byte[] {(byte) b};
    }
    for (int k = 0; k < r.merges().length; k++) {
      byte[] x = tok[r.merges()[k][0]];
      byte[] y = tok[r.merges()[k][1]];
      byte[] z = new byte[x.length + y.length];
      System.arraycopy(x, 0, z, 0, x.length);
      System.arraycopy(y, 0, z, x.length, y.length);
      tok[256 + k] = z;
    }
    List<String> specials = TiktokenTokenizer.llama31Specials(c.reservedSpecialTokens());
    int total = base + specials.size();

    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < specials.size(); i++) {
      ObjectNode a = added.addObject();
      a.put("id", base + i);
      a.put("content", specials.get(i));
      a.put("single_word", false);
      a.put("lstrip", false);
      a.put("rstrip", false);
      a.put("normalized", false);
      a.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode pres = pre.putArray("pretokenizers");
    ObjectNode split = pres.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", Regexes.LLAMA3);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ObjectNode bl = pres.addObject();
    bl.put("type", "ByteLevel");
    bl.put("add_prefix_space", false);
    bl.put("trim_offsets", true);
    bl.put("use_regex", false);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    String bot = "<|begin_of_text|>";
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode st = post.putObject("special_tokens").putObject(bot);
    st.put("id", bot);
    st.putArray("ids").add(base);
    st.putArray("tokens").add(bot);
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel");
    dec.put("add_prefix_space", true);
    dec.put("trim_offsets", true);
    dec.put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", true);
    ObjectNode vocab = model.putObject("vocab");
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < base; i++) {
      String s = ByteLevel.encode(tok[i]);
      if (seen.putIfAbsent(s, i) != null) {
        throw new IllegalStateException("duplicate token " + s);
      }
      vocab.put(s, i);
    }
    ArrayNode merges = model.putArray("merges");
    for (int[] m : r.merges()) {
      merges.add(ByteLevel.encode(tok[m[0]]) + " " + ByteLevel.encode(tok[m[1]]));
    }
    Path json = outDir.resolve("tokenizer.json");
    writeAtomic(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));

    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("bos_token", bot);
    cfg.put("eos_token", "<|end_of_text|>");
    cfg.put("chat_template", LLAMA3_CHAT_TEMPLATE);
    cfg.put("clean_up_tokenization_spaces", true);
    cfg.putArray("model_input_names").add("input_ids").add("attention_mask");
    cfg.put("model_max_length", 131072);
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    writeAtomic(outDir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));

    if (c.tiktoken()) {
      StringBuilder sb = new StringBuilder();
      java.util.Base64.Encoder enc = java.util.Base64.getEncoder();
      for (int i = 0; i < base; i++) {
        sb.append(enc.encodeToString(tok[i])).append(' ').append(i).append('\n');
      }
      writeAtomic(outDir.resolve("tokenizer.tiktoken"), sb.toString().getBytes(StandardCharsets.US_ASCII));
    }
    return new Summary("llama3", total, r.merges().length, words.size(), bytes, json);
  }

  // ------------------------------------------------------------------------------------------ llama2

  private static final char WS = SentencePieceTokenizer.WS;

  private static int charClass(int cp) {
    if (cp == WS) {
      return 0;
    }
    if (Character.isDigit(cp)) {
      return 1;
    }
    if (Character.isLetter(cp) || Character.getType(cp) == Character.NON_SPACING_MARK
        || Character.getType(cp) == Character.COMBINING_SPACING_MARK) {
      return 2 + Character.UnicodeScript.of(cp).ordinal();
    }
    return 1_000 + (Character.isWhitespace(cp) ? 0 : 1);
  }

  /**
   * Splits one normalized line into training words like SentencePiece's trainer: a word starts at U+2581 (runs of
   * it form whitespace-only words), digits stand alone, and words do not cross script / character-class changes.
   */
  static void spWords(String line, Map<String, long[]> words) {
    if (line.isEmpty()) {
      return;
    }
    String s = WS + line.replace(' ', WS);
    int n = s.length();
    int start = 0;
    int i = 0;
    while (i < n) {
      int cp = s.codePointAt(i);
      int len = Character.charCount(cp);
      if (i > start) {
        int prev = s.codePointBefore(i);
        boolean cut;
        if (cp == WS) {
          cut = prev != WS;
        } else if (prev == WS) {
          cut = false; // U+2581 prefixes the word that follows it
        } else {
          cut = Character.isDigit(cp) || Character.isDigit(prev) || charClass(cp) != charClass(prev);
        }
        if (prev == WS && cp != WS && i - start > 1) {
          // "▁▁▁x": the extra spaces form a whitespace-only word, the last one prefixes x
          words.computeIfAbsent(s.substring(start, i - 1), k -> new long[1])[0]++;
          start = i - 1;
        }
        if (cut) {
          words.computeIfAbsent(s.substring(start, i), k -> new long[1])[0]++;
          start = i;
        }
      }
      i += len;
    }
    if (start < n) {
      words.computeIfAbsent(s.substring(start), k -> new long[1])[0]++;
    }
  }

  private static Summary trainSentencePiece(Map<String, long[]> words, long bytes, Path outDir, Config c) throws IOException {
    // character alphabet by frequency, cut at the coverage
    Map<Integer, long[]> freq = new HashMap<>();
    long totalChars = 0;
    for (var e : words.entrySet()) {
      String w = e.getKey();
      long cnt = e.getValue()[0];
      for (int i = 0; i < w.length(); ) {
        int cp = w.codePointAt(i);
        freq.computeIfAbsent(cp, k -> new long[1])[0] += cnt;
        totalChars += cnt;
        i += Character.charCount(cp);
      }
    }
    List<Integer> chars = new ArrayList<>(freq.keySet());
    chars.sort((x, y) -> {
      int d = Long.compare(freq.get(y)[0], freq.get(x)[0]);
      return d != 0 ? d : Integer.compare(x, y);
    });
    List<Integer> alphabet = new ArrayList<>();
    long covered = 0;
    for (int cp : chars) {
      if (!alphabet.isEmpty() && covered >= c.characterCoverage() * totalChars) {
        break;
      }
      alphabet.add(cp);
      covered += freq.get(cp)[0];
    }
    int fixed = 3 + 256;
    if (alphabet.size() + fixed > c.vocabSize()) {
      int keep = c.vocabSize() - fixed;
      if (keep < 1) {
        throw new Align4jException("vocab_size " + c.vocabSize() + " leaves no room for characters");
      }
      alphabet = new ArrayList<>(alphabet.subList(0, keep));
    }
    Map<Integer, Integer> charId = new HashMap<>();
    for (int i = 0; i < alphabet.size(); i++) {
      charId.put(alphabet.get(i), i);
    }
    // words become symbol sequences; characters outside the alphabet split words (they fall back to bytes)
    Map<List<Integer>, long[]> seqs = new HashMap<>();
    for (var e : words.entrySet()) {
      String w = e.getKey();
      List<Integer> cur = new ArrayList<>();
      for (int i = 0; i <= w.length(); ) {
        Integer id = null;
        if (i < w.length()) {
          int cp = w.codePointAt(i);
          id = charId.get(cp);
          i += Character.charCount(cp);
        } else {
          i++;
        }
        if (id == null) {
          if (cur.size() > 1) {
            seqs.computeIfAbsent(cur, k -> new long[1])[0] += e.getValue()[0];
          }
          cur = new ArrayList<>();
        } else {
          cur.add(id);
        }
      }
    }
    List<List<Integer>> keys = new ArrayList<>(seqs.keySet());
    keys.sort((x, y) -> {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        int d = Integer.compare(x.get(i), y.get(i));
        if (d != 0) {
          return d;
        }
      }
      return Integer.compare(x.size(), y.size());
    });
    List<int[]> syms = new ArrayList<>();
    long[] counts = new long[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      syms.add(keys.get(i).stream().mapToInt(Integer::intValue).toArray());
      counts[i] = seqs.get(keys.get(i))[0];
    }
    int room = c.vocabSize() - fixed - alphabet.size();
    List<String> strings = new ArrayList<>();
    for (int cp : alphabet) {
      strings.add(new String(Character.toChars(cp)));
    }
    List<String> mergedPieces = new ArrayList<>();
    java.util.Set<String> inVocab = new java.util.HashSet<>(strings);
    // learn merges until the vocabulary is full (duplicate strings from different splits do not count)
    int ask = room;
    BpeTrainer.Result r = null;
    for (int attempt = 0; attempt < 4 && mergedPieces.size() < room; attempt++) {
      r = BpeTrainer.train(syms, counts, alphabet.size(), ask, c.minFrequency());
      List<String> all = new ArrayList<>(strings);
      mergedPieces.clear();
      java.util.Set<String> seen = new java.util.HashSet<>(inVocab);
      for (int[] m : r.merges()) {
        String piece = all.get(m[0]) + all.get(m[1]);
        all.add(piece);
        if (seen.add(piece) && mergedPieces.size() < room) {
          mergedPieces.add(piece);
        }
      }
      if (r.merges().length < ask) {
        break; // ran out of pairs
      }
      ask += room - mergedPieces.size() + 16;
    }
    List<SentencePieceTokenizer.Piece> pieces = new ArrayList<>();
    pieces.add(new SentencePieceTokenizer.Piece("<unk>", 0, SentencePieceTokenizer.UNKNOWN));
    pieces.add(new SentencePieceTokenizer.Piece("<s>", 0, SentencePieceTokenizer.CONTROL));
    pieces.add(new SentencePieceTokenizer.Piece("</s>", 0, SentencePieceTokenizer.CONTROL));
    for (int b = 0; b < 256; b++) {
      pieces.add(new SentencePieceTokenizer.Piece(String.format("<0x%02X>", b), 0, SentencePieceTokenizer.BYTE));
    }
    int k = 0;
    for (String p : mergedPieces) {
      pieces.add(new SentencePieceTokenizer.Piece(p, -(k++), SentencePieceTokenizer.NORMAL));
    }
    for (String ch : strings) {
      pieces.add(new SentencePieceTokenizer.Piece(ch, -(k++), SentencePieceTokenizer.NORMAL));
    }
    byte[] model = SentencePieceTokenizer.write(pieces, pieces.size(), 0, 1, 2);
    Path file = outDir.resolve("tokenizer.model");
    writeAtomic(file, model);
    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("add_bos_token", true);
    cfg.put("add_eos_token", false);
    cfg.put("bos_token", "<s>");
    cfg.put("eos_token", "</s>");
    cfg.put("unk_token", "<unk>");
    cfg.put("clean_up_tokenization_spaces", false);
    cfg.put("legacy", true);
    cfg.put("tokenizer_class", "LlamaTokenizer");
    writeAtomic(outDir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
    return new Summary("llama2", pieces.size(), mergedPieces.size(), words.size(), bytes, file);
  }

  static void writeAtomic(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** {@code TokenizerTrainer CORPUS OUT_DIR [llama3|llama2] [VOCAB_SIZE]}: trains from the command line. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: TokenizerTrainer CORPUS OUT_DIR [llama3|llama2] [VOCAB_SIZE]");
      System.exit(2);
    }
    String format = args.length > 2 ? args[2] : "llama3";
    int vocab = args.length > 3 ? Integer.parseInt(args[3]) : 4096;
    Config c = format.equals("llama2") ? Config.llama2(vocab) : new Config("llama3", vocab, 2, 256, 0.99995, "", 0, true);
    Summary s = train(Path.of(args[0]), Path.of(args[1]), c);
    System.out.println(s);
  }
}
