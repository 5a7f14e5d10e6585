package org.align4j.plugins.tokenizers;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.align4j.api.Align4jException;

/**
 * A tiktoken rank file ({@code base64(token bytes) rank} per line; Llama 3's original {@code tokenizer.model}) with
 * the Llama 3 split pattern and special tokens appended after the base vocabulary, as Meta's reference
 * {@code Tokenizer} builds them.
 */
final class TiktokenTokenizer extends BaseTokenizer {
  static final String FORMAT = "tiktoken";

  /** Llama 3.0's special token names (the first release). */
  static List<String> llama30Specials(int reserved) {
    List<String> s = new ArrayList<>(List.of("<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>", "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
        "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_4|>", "<|eot_id|>"));
    for (int i = 5; i < reserved - 5; i++) {
      s.add("<|reserved_special_token_" + i + "|>");
    }
    return s;
  }

  /** Llama 3.1+'s special token names (adds {@code <|eom_id|>}, {@code <|python_tag|>}); same ids for the shared ones. */
  static List<String> llama31Specials(int reserved) {
    List<String> s = new ArrayList<>(List.of("<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
        "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"));
    for (int i = 3; i < reserved - 8; i++) {
      s.add("<|reserved_special_token_" + i + "|>");
    }
    return s;
  }

  private final Map<String, Integer> ranks = new HashMap<>();
  private byte[][] idToBytes;
  private final int[] byteIds = new int[256];
  private BpeMerges merges;
  private Pattern pattern;
  private boolean llama3Pattern;
  private int vocabSize;

  private TiktokenTokenizer(String source) {
    super(source);
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public String piece(int id) {
    checkId(id);
    return ByteLevel.encode(idToBytes[id]);
  }

  static TiktokenTokenizer load(Path file, List<String> specialNames, String patternText) throws IOException {
    TiktokenTokenizer t = new TiktokenTokenizer(file.toString());
    List<byte[]> byId = new ArrayList<>();
    int maxRank = -1;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      String line;
      int no = 0;
      Base64.Decoder dec = Base64.getDecoder();
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        int sp = line.indexOf(' ');
        byte[] tok;
        int rank;
        try {
          tok = dec.decode(line.substring(0, sp));
          rank = Integer.parseInt(line.substring(sp + 1).trim());
        } catch (RuntimeException e) {
          throw new Align4jException(file + ": line " + no + ": expected 'base64-token rank', got '"
              + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'. Is this a tiktoken rank file?");
        }
        if (rank < 0) {
          throw new Align4jException(file + ": line " + no + ": negative rank " + rank);
        }
        while (byId.size() <= rank) {
          byId.add(null);
        }
        byId.set(rank, tok);
        if (t.ranks.put(new String(tok, StandardCharsets.ISO_8859_1), rank) != null) {
          throw new Align4jException(file + ": line " + no + ": duplicate token");
        }
        maxRank = Math.max(maxRank, rank);
      }
    } catch (java.nio.charset.MalformedInputException e) {
      throw new Align4jException(file + ": not a tiktoken rank file (non-ASCII content)");
    }
    if (maxRank < 0) {
      throw new Align4jException(file + ": empty tiktoken rank file");
    }
    int base = t.ranks.size();
    t.vocabSize = Math.max(maxRank + 1, base) + specialNames.size();
    t.idToBytes = new byte[t.vocabSize][];
    for (int i = 0; i < byId.size(); i++) {
      t.idToBytes[i] = byId.get(i) == null ? new byte[0] : byId.get(i);
    }
    List<AddedTokens.Token> sp = new ArrayList<>();
    for (int i = 0; i < specialNames.size(); i++) {
      int id = base + i;
      String name = specialNames.get(i);
      t.idToBytes[id] = name.getBytes(StandardCharsets.UTF_8);
      t.specials.put(name, id);
      sp.add(new AddedTokens.Token(name, id, true, false, false, false, false));
    }
    t.added = new AddedTokens(sp);
    Arrays.fill(t.byteIds, -1);
    for (int b = 0; b < 256; b++) {
      Integer id = t.ranks.get(new String(new byte[] {(byte) b}, StandardCharsets.ISO_8859_1));
      if (id == null) {
        throw new Align4jException(file + ": byte " + b + " has no rank; a byte-level rank file needs all 256 single bytes");
      }
      t.byteIds[b] = id;
    }
    t.merges = new BpeMerges(base * 4);
    for (var e : t.ranks.entrySet()) {
      String k = e.getKey();
      for (int s = 1; s < k.length(); s++) {
        Integer a = t.ranks.get(k.substring(0, s));
        if (a == null) {
          continue;
        }
        Integer b = t.ranks.get(k.substring(s));
        if (b != null) {
          t.merges.add(a, b, e.getValue(), e.getValue());
        }
      }
    }
    t.pattern = Regexes.compile(patternText);
    t.llama3Pattern = patternText.equals(Regexes.LLAMA3);
    t.bos = t.specials.getOrDefault("<|begin_of_text|>", -1);
    t.eos = t.specials.getOrDefault("<|end_of_text|>", -1);
    return t;
  }

  @Override
  protected void encodeSegment(String text, boolean atStart, boolean parseSpecial, IntList out) {
    List<String> pieces = new ArrayList<>();
    if (llama3Pattern) {
      Llama3Splitter.split(text, pieces);
    } else {
      var m = pattern.matcher(text);
      while (m.find()) {
        if (m.end() > m.start()) {
          pieces.add(m.group());
        }
      }
    }
    for (String p : pieces) {
      int[] c = cached(p);
      if (c != null) {
        out.addAll(c, c.length);
        continue;
      }
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      Integer whole = ranks.get(new String(b, StandardCharsets.ISO_8859_1));
      if (whole != null) {
        out.add(whole);
        continue;
      }
      int[] ids = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        ids[i] = byteIds[b[i] & 0xFF];
      }
      int n = merges.merge(ids, ids.length);
      int[] r = Arrays.copyOf(ids, n);
      cache(p, r);
      out.addAll(r, n);
    }
  }

  @Override
  public byte[] decodeBytes(int[] ids) {
    Utf8.Bytes out = new Utf8.Bytes(ids.length * 4);
    for (int id : ids) {
      checkId(id);
      out.add(idToBytes[id]);
    }
    return out.toByteArray();
  }
}
