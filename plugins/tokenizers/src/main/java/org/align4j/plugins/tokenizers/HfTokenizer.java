package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.align4j.api.Align4jException;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model: byte-level (GPT-2 / Llama 3) or SentencePiece-style
 * (Metaspace or Prepend/Replace normalizers, byte fallback; Llama 2 / Mistral conversions). Follows the Rust
 * {@code tokenizers} pipeline: added tokens, normalizer, pre-tokenizer, model, decoder.
 */
final class HfTokenizer extends BaseTokenizer {
  static final String FORMAT = "hf-tokenizer-json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String where;
  private UnaryOperator<String> normalizer;
  private final List<PreTok> preTokenizers = new ArrayList<>();
  /** Ids up to this are accepted however sparse; above it they must be within 4x the token count. */
  static final int MAX_DENSE_ID = 1 << 24;
  private final Map<String, Integer> vocab = new HashMap<>();
  private String[] idToToken;
  private boolean[] isAdded;
  private BpeMerges merges;
  private boolean byteFallback;
  private int unkId = -1;
  private boolean fuseUnk;
  private boolean ignoreMerges;
  private final int[] bmpIds = new int[65536];
  private final int[] byteIds = new int[256];
  private final List<Dec> decoders = new ArrayList<>();
  private boolean hasDecoder;
  /** The pre-tokenizer ends with a plain ByteLevel step (no regex, no prefix space), applied in encodeWord. */
  private boolean byteLevelTail;
  private String chatTemplate;
  private AddedTokens addedNormalized;
  private List<AddedTokens.Token> pendingNormalized = List.of();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HfTokenizer.class);

  private HfTokenizer(String where) {
    super(where);
    this.where = where;
  }

  String chatTemplate() {
    return chatTemplate;
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public int vocabSize() {
    return idToToken.length;
  }

  @Override
  public String piece(int id) {
    checkId(id);
    return idToToken[id];
  }

  // ---------------------------------------------------------------- loading

  static HfTokenizer load(Path file) throws IOException {
    String where = file.toString();
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new Align4jException(where + ": malformed JSON" + (loc != null ? " at line " + loc.getLineNr() + " column " + loc.getColumnNr() : "")
          + ": " + e.getOriginalMessage() + ". Re-download or re-export the tokenizer.json.");
    }
    if (root == null || !root.isObject()) {
      throw new Align4jException(where + ": not a tokenizer.json (expected a JSON object with a \"model\" field)");
    }
    HfTokenizer t = new HfTokenizer(where);
    try {
      t.init(root);
    } catch (Align4jException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new Align4jException(where + ": invalid tokenizer.json: " + e.getMessage(), e);
    }
    t.readConfig(file.resolveSibling("tokenizer_config.json"));
    return t;
  }

  private Align4jException bad(String field, String what) {
    return new Align4jException(where + ": field " + field + ": " + what);
  }

  private void init(JsonNode root) {
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw bad("model", "missing; a tokenizer.json needs a \"model\" object");
    }
    String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
    if (!type.equals("BPE")) {
      throw bad("model.type", "unsupported model type '" + type + "' (supported: BPE)");
    }
    if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
      throw bad("model.dropout", "BPE dropout is not supported for encoding; set it to null");
    }
    for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
      JsonNode v = model.get(f);
      if (v != null && !v.isNull() && !v.asText().isEmpty()) {
        throw bad("model." + f, "not supported (Llama-style BPE has none)");
      }
    }
    JsonNode v = model.get("vocab");
    if (v == null || !v.isObject()) {
      throw bad("model.vocab", "missing or not an object");
    }
    int maxId = -1;
    var it = v.fields();
    while (it.hasNext()) {
      var e = it.next();
      int id = e.getValue().asInt(-1);
      if (id < 0) {
        throw bad("model.vocab", "token '" + e.getKey() + "' has no valid id");
      }
      // ids index dense arrays: an id far beyond the number of tokens is a broken file, not gigabytes to allocate
      if (id > MAX_DENSE_ID && id > 4L * v.size()) {
        throw bad("model.vocab", "token '" + e.getKey() + "' has id " + id + ", far beyond the file's " + v.size()
            + " tokens (ids must be below " + Math.max(MAX_DENSE_ID, 4L * v.size()) + ")");
      }
      vocab.put(e.getKey(), id);
      maxId = Math.max(maxId, id);
    }
    // added tokens get their ids as HF's deserializer gives them (in order: the model's id when the content is in
    // the vocabulary, else the next free id after it); a file whose ids disagree is loaded as HF loads it
    List<AddedTokens.Token> addedList = new ArrayList<>();
    Map<String, Integer> addedIds = new HashMap<>();
    int modelSize = vocab.size();
    JsonNode at = root.get("added_tokens");
    if (at != null && at.isArray()) {
      for (JsonNode a : at) {
        String content = a.path("content").asText();
        if (content.isEmpty() || addedIds.containsKey(content)) {
          continue;
        }
        Integer id = vocab.get(content);
        if (id == null) {
          int max = addedIds.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
          id = max < 0 ? modelSize : (max >= modelSize ? max + 1 : modelSize);
        }
        int declared = a.path("id").asInt(-1);
        if (declared != id) {
          LOG.warn("{}: added token '{}' declares id {} but gets id {} (as in Hugging Face tokenizers)", where, content, declared, id);
        }
        addedIds.put(content, id);
        AddedTokens.Token tok = new AddedTokens.Token(content, id,
            a.path("special").asBoolean(false), a.path("lstrip").asBoolean(false), a.path("rstrip").asBoolean(false),
            a.path("single_word").asBoolean(false), a.path("normalized").asBoolean(!a.path("special").asBoolean(false)));
        addedList.add(tok);
        maxId = Math.max(maxId, id);
      }
    }
    idToToken = new String[maxId + 1];
    isAdded = new boolean[maxId + 1];
    for (var e : vocab.entrySet()) {
      idToToken[e.getValue()] = e.getKey();
    }
    for (AddedTokens.Token a : addedList) {
      idToToken[a.id()] = a.content();
      isAdded[a.id()] = true;
      specials.put(a.content(), a.id());
    }
    for (int i = 0; i < idToToken.length; i++) {
      if (idToToken[i] == null) {
        idToToken[i] = "";
      }
    }
    // as HF's AddedVocabulary: tokens with normalized=false are matched on the raw text, the others on each
    // normalized segment
    added = new AddedTokens(addedList.stream().filter(a -> !a.normalized()).toList());
    pendingNormalized = addedList.stream().filter(AddedTokens.Token::normalized).toList();

    byteFallback = model.path("byte_fallback").asBoolean(false);
    fuseUnk = model.path("fuse_unk").asBoolean(false);
    ignoreMerges = model.path("ignore_merges").asBoolean(false);
    JsonNode unk = model.get("unk_token");
    if (unk != null && !unk.isNull()) {
      Integer u = vocab.get(unk.asText());
      if (u == null) {
        throw bad("model.unk_token", "'" + unk.asText() + "' is not in the vocabulary");
      }
      unkId = u;
    }
    Arrays.fill(bmpIds, -1);
    for (var e : vocab.entrySet()) {
      String k = e.getKey();
      if (k.length() == 1) {
        bmpIds[k.charAt(0)] = e.getValue();
      }
    }
    for (int b = 0; b < 256; b++) {
      Integer id = vocab.get(String.format("<0x%02X>", b));
      byteIds[b] = id == null ? -1 : id;
    }
    JsonNode m = model.get("merges");
    if (m == null || !m.isArray()) {
      throw bad("model.merges", "missing or not an array");
    }
    merges = new BpeMerges(m.size());
    int rank = 0;
    for (JsonNode mm : m) {
      String a;
      String b;
      if (mm.isArray() && mm.size() == 2) {
        a = mm.get(0).asText();
        b = mm.get(1).asText();
      } else if (mm.isTextual()) {
        String s = mm.asText();
        int sp = s.indexOf(' ');
        if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
          throw bad("model.merges[" + rank + "]", "'" + s + "' is not two tokens separated by one space");
        }
        a = s.substring(0, sp);
        b = s.substring(sp + 1);
      } else {
        throw bad("model.merges[" + rank + "]", "expected \"a b\" or [a, b]");
      }
      Integer ia = vocab.get(a);
      Integer ib = vocab.get(b);
      Integer im = vocab.get(a + b);
      if (ia == null || ib == null || im == null) {
        throw bad("model.merges[" + rank + "]", "'" + a + " " + b + "' uses a token that is not in the vocabulary");
      }
      merges.add(ia, ib, rank, im);
      rank++;
    }
    normalizer = parseNormalizer(root.get("normalizer"), "normalizer");
    // normalized added tokens are matched on normalized text, so their patterns are normalized too
    if (!pendingNormalized.isEmpty()) {
      List<AddedTokens.Token> norm = new ArrayList<>();
      for (AddedTokens.Token t : pendingNormalized) {
        String pattern = normalizer == null ? t.content() : normalizer.apply(t.content());
        norm.add(new AddedTokens.Token(pattern, t.id(), t.special(), t.lstrip(), t.rstrip(), t.singleWord(), true));
      }
      addedNormalized = new AddedTokens(norm);
    }
    JsonNode preNode = root.get("pre_tokenizer");
    JsonNode tail = preNode == null || preNode.isNull() ? null
        : "Sequence".equals(preNode.path("type").asText()) && preNode.path("pretokenizers").size() > 0
            ? preNode.path("pretokenizers").get(preNode.path("pretokenizers").size() - 1) : preNode;
    if (tail != null && "ByteLevel".equals(tail.path("type").asText()) && !tail.path("add_prefix_space").asBoolean(true)
        && !tail.path("use_regex").asBoolean(true)) {
      byteLevelTail = true;
      if (tail == preNode) {
        preNode = null;
      } else {
        com.fasterxml.jackson.databind.node.ObjectNode copy = preNode.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) copy.get("pretokenizers")).remove(copy.get("pretokenizers").size() - 1);
        preNode = copy;
      }
    }
    parsePreTokenizer(preNode, "pre_tokenizer", preTokenizers);
    JsonNode d = root.get("decoder");
    hasDecoder = d != null && !d.isNull();
    if (hasDecoder) {
      parseDecoder(d, "decoder", decoders);
    }
    // bos/eos from the post-processor, overridden by tokenizer_config.json when present
    JsonNode pp = root.get("post_processor");
    if (pp != null && "TemplateProcessing".equals(pp.path("type").asText())) {
      JsonNode single = pp.path("single");
      if (single.isArray() && single.size() > 0 && single.get(0).has("SpecialToken")) {
        Integer id = specials.get(single.get(0).path("SpecialToken").path("id").asText());
        if (id != null) {
          bos = id;
        }
      }
    }
    if (bos < 0) {
      bos = firstKnown("<|begin_of_text|>", "<s>", "<|startoftext|>");
    }
    eos = firstKnown("<|end_of_text|>", "</s>", "<|endoftext|>");
  }

  private int firstKnown(String... names) {
    for (String n : names) {
      Integer id = specials.get(n);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }

  private void readConfig(Path cfg) throws IOException {
    if (!Files.isRegularFile(cfg)) {
      return;
    }
    JsonNode c;
    try {
      c = JSON.readTree(cfg.toFile());
    } catch (JsonProcessingException e) {
      throw new Align4jException(cfg + ": malformed JSON: " + e.getOriginalMessage());
    }
    Integer b = tokenField(c, "bos_token");
    if (b != null) {
      bos = b;
    }
    Integer e = tokenField(c, "eos_token");
    if (e != null) {
      eos = e;
    }
    if (c.path("chat_template").isTextual()) {
      chatTemplate = c.get("chat_template").asText();
    }
  }

  private Integer tokenField(JsonNode c, String f) {
    JsonNode n = c.get(f);
    if (n == null || n.isNull()) {
      return null;
    }
    String s = n.isObject() ? n.path("content").asText() : n.asText();
    Integer id = specials.get(s);
    if (id == null) {
      id = vocab.get(s);
    }
    if (id == null) {
      throw new Align4jException(where + " (tokenizer_config.json " + f + "): token '" + s + "' is not in the vocabulary");
    }
    return id;
  }

  private UnaryOperator<String> parseNormalizer(JsonNode n, String path) {
    if (n == null || n.isNull()) {
      return null;
    }
    String type = n.path("type").asText();
    switch (type) {
      case "Sequence": {
        List<UnaryOperator<String>> list = new ArrayList<>();
        int i = 0;
        for (JsonNode c : n.path("normalizers")) {
          UnaryOperator<String> u = parseNormalizer(c, path + ".normalizers[" + i++ + "]");
          if (u != null) {
            list.add(u);
          }
        }
        return s -> {
          for (UnaryOperator<String> u : list) {
            s = u.apply(s);
          }
          return s;
        };
      }
      case "Prepend": {
        String p = n.path("prepend").asText();
        return s -> s.isEmpty() ? s : p + s;
      }
      case "Replace": {
        String content = n.path("content").asText();
        JsonNode pat = n.path("pattern");
        if (pat.has("String")) {
          String lit = pat.get("String").asText();
          return s -> s.replace(lit, content);
        }
        Pattern re = Regexes.compile(pat.path("Regex").asText());
        String rep = Matcher.quoteReplacement(content);
        return s -> re.matcher(s).replaceAll(rep);
      }
      case "NFC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "NFKC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFKD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
      case "Lowercase":
        return s -> s.toLowerCase(Locale.ROOT);
      case "Strip": {
        boolean l = n.path("strip_left").asBoolean(true);
        boolean r = n.path("strip_right").asBoolean(true);
        return s -> {
          int a = 0;
          int b = s.length();
          while (l && a < b && Character.isWhitespace(s.charAt(a))) {
            a++;
          }
          while (r && b > a && Character.isWhitespace(s.charAt(b - 1))) {
            b--;
          }
          return s.substring(a, b);
        };
      }
      default:
        throw bad(path + ".type", "unsupported normalizer '" + type + "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip)");
    }
  }

  /**
   * Parses the steps of a {@code Sequence} pre-tokenizer or decoder in order, each with its path for errors
   * ({@code <path>.<field>[i]}).
   */
  private static void forEachStep(JsonNode n, String field, String path, BiConsumer<JsonNode, String> parse) {
    int i = 0;
    for (JsonNode c : n.path(field)) {
      parse.accept(c, path + "." + field + "[" + i++ + "]");
    }
  }

  /**
   * A Metaspace step's {@code prepend_scheme} (always, first, never); files from before it was added have
   * {@code add_prefix_space} instead (true, the default, is always).
   */
  private static String metaspaceScheme(JsonNode n) {
    return n.has("prepend_scheme") ? n.get("prepend_scheme").asText()
        : (n.path("add_prefix_space").asBoolean(true) ? "always" : "never");
  }

  /** A pre-tokenizer step over the pieces of one segment. */
  private interface PreTok {
    /** @param atStart whether piece {@code i == 0} begins the whole input (Metaspace prepend_scheme first) */
    void apply(List<String> pieces, boolean atStart);
  }

  private void parsePreTokenizer(JsonNode n, String path, List<PreTok> out) {
    if (n == null || n.isNull()) {
      return;
    }
    String type = n.path("type").asText();
    switch (type) {
      case "Sequence":
        forEachStep(n, "pretokenizers", path, (c, at) -> parsePreTokenizer(c, at, out));
        return;
      case "Split": {
        JsonNode pat = n.path("pattern");
        Pattern re = pat.has("String") ? Pattern.compile(Pattern.quote(pat.get("String").asText())) : Regexes.compile(pat.path("Regex").asText());
        String behavior = n.path("behavior").asText("Isolated");
        boolean invert = n.path("invert").asBoolean(false);
        if (invert) {
          throw bad(path + ".invert", "inverted Split is not supported");
        }
        out.add((pieces, atStart) -> mapPieces(pieces, s -> split(re, s, behavior, path)));
        return;
      }
      case "ByteLevel": {
        boolean prefix = n.path("add_prefix_space").asBoolean(true);
        boolean useRegex = n.path("use_regex").asBoolean(true);
        Pattern gpt2 = useRegex ? Regexes.compile(Regexes.GPT2) : null;
        out.add((pieces, atStart) -> mapPieces(pieces, s -> {
          String t = prefix && !s.startsWith(" ") ? " " + s : s;
          List<String> parts = useRegex ? Regexes.splitIsolated(gpt2, t) : List.of(t);
          List<String> r = new ArrayList<>(parts.size());
          for (String p : parts) {
            r.add(ByteLevel.encode(p.getBytes(StandardCharsets.UTF_8)));
          }
          return r;
        }));
        return;
      }
      case "Metaspace": {
        String rep = n.path("replacement").asText("\u2581");
        String scheme = metaspaceScheme(n);
        boolean doSplit = n.path("split").asBoolean(true);
        out.add((pieces, atStart) -> {
          List<String> r = new ArrayList<>();
          for (int i = 0; i < pieces.size(); i++) {
            String s = pieces.get(i).replace(" ", rep);
            boolean first = atStart && i == 0;
            if (!s.startsWith(rep) && (scheme.equals("always") || (scheme.equals("first") && first))) {
              s = rep + s;
            }
            if (doSplit) {
              int last = 0;
              for (int k = s.indexOf(rep, 1); k >= 0; k = s.indexOf(rep, k + rep.length())) {
                r.add(s.substring(last, k));
                last = k;
              }
              if (last < s.length()) {
                r.add(s.substring(last));
              }
            } else {
              r.add(s);
            }
          }
          pieces.clear();
          pieces.addAll(r);
        });
        return;
      }
      case "Digits": {
        boolean individual = n.path("individual_digits").asBoolean(false);
        Pattern re = Pattern.compile(individual ? "\\p{N}" : "\\p{N}+");
        out.add((pieces, atStart) -> mapPieces(pieces, s -> split(re, s, "Isolated", path)));
        return;
      }
      case "WhitespaceSplit": {
        Pattern re = Regexes.compile("\\s+");
        out.add((pieces, atStart) -> mapPieces(pieces, s -> split(re, s, "Removed", path)));
        return;
      }
      default:
        throw bad(path + ".type", "unsupported pre-tokenizer '" + type + "' (supported: Sequence, Split, ByteLevel, Metaspace, Digits, WhitespaceSplit)");
    }
  }

  private static void mapPieces(List<String> pieces, java.util.function.Function<String, List<String>> f) {
    List<String> r = new ArrayList<>(pieces.size() * 2);
    for (String s : pieces) {
      r.addAll(f.apply(s));
    }
    pieces.clear();
    pieces.addAll(r);
  }

  private List<String> split(Pattern re, String s, String behavior, String path) {
    List<String> out = new ArrayList<>();
    if (behavior.equals("Isolated")) {
      Regexes.splitIsolated(re, s, out);
      return out;
    }
    Matcher m = re.matcher(s);
    int last = 0;
    List<int[]> spans = new ArrayList<>();
    while (m.find()) {
      if (m.end() > m.start()) {
        spans.add(new int[] {m.start(), m.end()});
      }
    }
    if (!List.of("Removed", "MergedWithPrevious", "MergedWithNext").contains(behavior)) {
      throw bad(path + ".behavior", "unsupported split behavior '" + behavior + "' (supported: Isolated, Removed, MergedWithPrevious, MergedWithNext)");
    }
    // a match is dropped (Removed), ends the piece before it (MergedWithPrevious) or starts the next one
    boolean withPrevious = behavior.equals("MergedWithPrevious");
    boolean withNext = behavior.equals("MergedWithNext");
    for (int[] sp : spans) {
      int end = withPrevious ? sp[1] : sp[0];
      if (end > last) {
        out.add(s.substring(last, end));
      }
      last = withNext ? sp[0] : sp[1];
    }
    if (last < s.length()) {
      out.add(s.substring(last));
    }
    return out;
  }

  // ---------------------------------------------------------------- encoding

  @Override
  protected void encodeSegment(String text, boolean atStart, boolean parseSpecial, IntList out) {
    String s = normalizer == null ? text : normalizer.apply(text);
    if (s.isEmpty()) {
      return;
    }
    if (addedNormalized != null) {
      for (AddedTokens.Part p : addedNormalized.split(s, parseSpecial)) {
        if (p.id() >= 0) {
          out.add(p.id());
        } else {
          preTokenizeAndEncode(p.text(), atStart && p.offset() == 0, out);
        }
      }
      return;
    }
    preTokenizeAndEncode(s, atStart, out);
  }

  private void preTokenizeAndEncode(String s, boolean atStart, IntList out) {
    List<String> pieces = new ArrayList<>();
    pieces.add(s);
    for (PreTok p : preTokenizers) {
      p.apply(pieces, atStart);
    }
    for (String w : pieces) {
      encodeWord(w, out);
    }
  }

  private void encodeWord(String raw, IntList out) {
    if (raw.isEmpty()) {
      return;
    }
    int[] c = cached(raw);
    if (c != null) {
      out.addAll(c, c.length);
      return;
    }
    String w = byteLevelTail ? ByteLevel.encode(raw.getBytes(StandardCharsets.UTF_8)) : raw;
    if (ignoreMerges) {
      Integer id = vocab.get(w);
      if (id != null) {
        cache(raw, new int[] {id});
        out.add(id);
        return;
      }
    }
    IntList sym = new IntList(w.length() + 4);
    int unk = -1;
    for (int i = 0; i < w.length(); ) {
      int cp = w.codePointAt(i);
      int len = Character.charCount(cp);
      int id = len == 1 ? bmpIds[cp] : vocab.getOrDefault(w.substring(i, i + len), -1);
      i += len;
      if (id >= 0) {
        if (unk >= 0) {
          sym.add(unk);
          unk = -1;
        }
        sym.add(id);
        continue;
      }
      if (byteFallback) {
        byte[] bs = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        boolean all = true;
        for (byte b : bs) {
          all &= byteIds[b & 0xFF] >= 0;
        }
        if (all) {
          for (byte b : bs) {
            sym.add(byteIds[b & 0xFF]);
          }
          continue;
        }
      }
      if (unkId >= 0) {
        if (unk >= 0 && !fuseUnk) {
          sym.add(unk);
        }
        unk = unkId;
      }
    }
    if (unk >= 0) {
      sym.add(unk);
    }
    int n = merges.merge(sym.a, sym.size);
    int[] ids = Arrays.copyOf(sym.a, n);
    cache(raw, ids);
    out.addAll(ids, n);
  }

  // ---------------------------------------------------------------- decoding

  /** A decoder step over a list whose elements are Strings or raw byte[] (lossless mode). */
  private interface Dec {
    List<Object> apply(List<Object> tokens, boolean lossless);
  }

  private void parseDecoder(JsonNode n, String path, List<Dec> out) {
    String type = n.path("type").asText();
    switch (type) {
      case "Sequence":
        forEachStep(n, "decoders", path, (c, at) -> parseDecoder(c, at, out));
        return;
      case "ByteLevel":
        out.add((toks, lossless) -> {
          Utf8.Bytes buf = new Utf8.Bytes(64);
          for (Object o : toks) {
            if (o instanceof byte[] raw) {
              buf.add(raw);
              continue;
            }
            String t = (String) o;
            byte[] b = ByteLevel.decode(t);
            buf.add(b != null ? b : t.getBytes(StandardCharsets.UTF_8));
          }
          byte[] all = buf.toByteArray();
          List<Object> r = new ArrayList<>(1);
          r.add(lossless ? all : Utf8.lossyMaximalSubpart(all));
          return r;
        });
        return;
      case "ByteFallback":
        out.add((toks, lossless) -> {
          List<Object> r = new ArrayList<>(toks.size());
          Utf8.Bytes group = new Utf8.Bytes(16);
          for (Object o : toks) {
            int b = o instanceof String s ? byteToken(s) : -1;
            if (b >= 0) {
              group.write(b);
              continue;
            }
            flushBytes(group, r, lossless);
            r.add(o);
          }
          flushBytes(group, r, lossless);
          return r;
        });
        return;
      case "Fuse":
        out.add((toks, lossless) -> {
          List<Object> r = new ArrayList<>(1);
          StringBuilder sb = new StringBuilder();
          Utf8.Bytes raw = null;
          for (Object o : toks) {
            if (o instanceof byte[] b) {
              if (raw == null) {
                raw = new Utf8.Bytes(64);
              }
              raw.add(sb.toString().getBytes(StandardCharsets.UTF_8));
              sb.setLength(0);
              raw.add(b);
            } else {
              sb.append((String) o);
            }
          }
          if (raw == null) {
            r.add(sb.toString());
          } else {
            raw.add(sb.toString().getBytes(StandardCharsets.UTF_8));
            r.add(raw.toByteArray());
          }
          return r;
        });
        return;
      case "Replace": {
        String content = n.path("content").asText();
        JsonNode pat = n.path("pattern");
        UnaryOperator<String> f;
        if (pat.has("String")) {
          String lit = pat.get("String").asText();
          f = s -> s.replace(lit, content);
        } else {
          Pattern re = Regexes.compile(pat.path("Regex").asText());
          String rep = Matcher.quoteReplacement(content);
          f = s -> re.matcher(s).replaceAll(rep);
        }
        out.add((toks, lossless) -> {
          List<Object> r = new ArrayList<>(toks.size());
          for (Object o : toks) {
            r.add(o instanceof String s ? f.apply(s) : o);
          }
          return r;
        });
        return;
      }
      case "Strip": {
        String content = n.path("content").asText(" ");
        int start = n.path("start").asInt(0);
        int stop = n.path("stop").asInt(0);
        char ch = content.charAt(0);
        out.add((toks, lossless) -> {
          List<Object> r = new ArrayList<>(toks.size());
          for (Object o : toks) {
            if (o instanceof String s) {
              int a = 0;
              while (a < start && a < s.length() && s.charAt(a) == ch) {
                a++;
              }
              int b = s.length();
              for (int k = 0; k < stop && b > a && s.charAt(b - 1) == ch; k++) {
                b--;
              }
              r.add(s.substring(a, b));
            } else {
              byte[] b = (byte[]) o;
              int a = 0;
              while (ch < 128 && a < start && a < b.length && b[a] == ch) {
                a++;
              }
              int e = b.length;
              for (int k = 0; ch < 128 && k < stop && e > a && b[e - 1] == ch; k++) {
                e--;
              }
              r.add(Arrays.copyOfRange(b, a, e));
            }
          }
          return r;
        });
        return;
      }
      case "Metaspace": {
        String rep = n.path("replacement").asText("\u2581");
        String scheme = metaspaceScheme(n);
        boolean strip = !scheme.equals("never");
        out.add((toks, lossless) -> {
          List<Object> r = new ArrayList<>(toks.size());
          for (int i = 0; i < toks.size(); i++) {
            Object o = toks.get(i);
            if (o instanceof String s) {
              r.add(s.replace(rep, i == 0 && strip ? "" : " "));
            } else {
              r.add(o);
            }
          }
          return r;
        });
        return;
      }
      default:
        throw bad(path + ".type", "unsupported decoder '" + type + "' (supported: Sequence, ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace)");
    }
  }

  private static int byteToken(String s) {
    if (s.length() == 6 && s.startsWith("<0x") && s.charAt(5) == '>') {
      int hi = Character.digit(s.charAt(3), 16);
      int lo = Character.digit(s.charAt(4), 16);
      if (hi >= 0 && lo >= 0) {
        return hi * 16 + lo;
      }
    }
    return -1;
  }

  private static void flushBytes(Utf8.Bytes group, List<Object> r, boolean lossless) {
    if (group.size() == 0) {
      return;
    }
    byte[] b = group.toByteArray();
    group.reset();
    if (lossless) {
      r.add(b);
    } else if (Utf8.isValid(b)) {
      r.add(new String(b, StandardCharsets.UTF_8));
    } else {
      for (int i = 0; i < b.length; i++) {
        r.add("\uFFFD");
      }
    }
  }

  private List<Object> decodeChain(int[] ids, boolean lossless) {
    List<Object> toks = new ArrayList<>(ids.length);
    for (int id : ids) {
      checkId(id);
      toks.add(idToToken[id]);
    }
    if (!hasDecoder) {
      List<Object> r = new ArrayList<>(1);
      r.add(String.join(" ", toks.stream().map(String.class::cast).toList()));
      return r;
    }
    for (Dec d : decoders) {
      toks = d.apply(toks, lossless);
    }
    return toks;
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (Object o : decodeChain(ids, false)) {
      sb.append(o instanceof String s ? s : Utf8.lossyMaximalSubpart((byte[]) o));
    }
    return sb.toString();
  }

  @Override
  public byte[] decodeBytes(int[] ids) {
    Utf8.Bytes out = new Utf8.Bytes(ids.length * 4);
    for (Object o : decodeChain(ids, true)) {
      out.add(o instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) o);
    }
    return out.toByteArray();
  }
}
