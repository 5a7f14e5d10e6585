package org.align4j.plugins.tokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.align4j.api.Align4jException;

/**
 * A SentencePiece {@code tokenizer.model} (protobuf ModelProto) with a BPE model, encoded the way
 * {@code sentencepiece::bpe::Model::Encode} does: normalizer spec (dummy prefix, whitespace as U+2581, extra
 * whitespace removal), user-defined symbols kept whole, highest-scoring adjacent pair merged first (leftmost on
 * ties), byte fallback or unk for pieces outside the vocabulary.
 */
final class SentencePieceTokenizer extends BaseTokenizer {
  static final String FORMAT = "sentencepiece";
  static final char WS = '\u2581';

  static final int NORMAL = 1;
  static final int UNKNOWN = 2;
  static final int CONTROL = 3;
  static final int USER_DEFINED = 4;
  static final int UNUSED = 5;
  static final int BYTE = 6;

  record Piece(String piece, float score, int type) {}

  private Piece[] pieces;
  private final Map<String, Integer> normal = new HashMap<>();
  private final int[] byteIds = new int[256];
  private final int[] bmpIds = new int[65536];
  private BpeMerges merges;
  private int unkId = -1;
  private boolean byteFallback;
  private boolean addDummyPrefix = true;
  private boolean removeExtraWhitespaces = true;
  private boolean escapeWhitespaces = true;
  private boolean treatWhitespaceAsSuffix;
  private String unkSurface = " \u2047 ";
  private Map<Character, String[]> userDefined = new HashMap<>();
  private CharsMap charsMap;
  private byte[][] userDefinedBytes = new byte[0][];

  private SentencePieceTokenizer(String source) {
    super(source);
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public String piece(int id) {
    checkId(id);
    return pieces[id].piece();
  }

  /** Piece type (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). */
  int type(int id) {
    checkId(id);
    return pieces[id].type();
  }

  static SentencePieceTokenizer load(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    SentencePieceTokenizer t = new SentencePieceTokenizer(file.toString());
    try {
      t.parse(b);
    } catch (Proto.Truncated e) {
      throw new Align4jException(file + ": truncated or corrupt SentencePiece model (" + e.getMessage()
          + "). Re-download or re-train the tokenizer.model.");
    }
    return t;
  }

  private void parse(byte[] b) {
    List<Piece> list = new ArrayList<>();
    int modelType = 1;
    int bosId = 1;
    int eosId = 2;
    int unk = 0;
    byte[] charsmap = null;
    String normName = "";
    Proto.Reader r = new Proto.Reader(b, 0, b.length);
    while (!r.done()) {
      int tag = r.tag();
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1 && wire == 2) {
        int[] range = r.bytesRange();
        Proto.Reader p = new Proto.Reader(b, range[0], range[1]);
        String piece = null;
        float score = 0;
        int type = NORMAL;
        while (!p.done()) {
          int t = p.tag();
          switch (t) {
            case (1 << 3) | 2 -> piece = p.string();
            case (2 << 3) | 5 -> score = p.fixed32Float();
            case (3 << 3) -> type = (int) p.varint();
            default -> p.skip(t & 7);
          }
        }
        if (piece == null) {
          throw new Align4jException(source + ": piece #" + list.size() + " has no text; not a SentencePiece model?");
        }
        list.add(new Piece(piece, score, type));
      } else if (field == 2 && wire == 2) {
        int[] range = r.bytesRange();
        Proto.Reader p = new Proto.Reader(b, range[0], range[1]);
        while (!p.done()) {
          int t = p.tag();
          int f = t >>> 3;
          if ((t & 7) == 0) {
            long v = p.varint();
            switch (f) {
              case 3 -> modelType = (int) v;
              case 35 -> byteFallback = v != 0;
              case 24 -> treatWhitespaceAsSuffix = v != 0;
              case 40 -> unk = (int) v;
              case 41 -> bosId = (int) v;
              case 42 -> eosId = (int) v;
              default -> { }
            }
          } else if (f == 44 && (t & 7) == 2) {
            unkSurface = p.string();
          } else {
            p.skip(t & 7);
          }
        }
      } else if (field == 3 && wire == 2) {
        int[] range = r.bytesRange();
        Proto.Reader p = new Proto.Reader(b, range[0], range[1]);
        while (!p.done()) {
          int t = p.tag();
          int f = t >>> 3;
          if (f == 1 && (t & 7) == 2) {
            normName = p.string();
          } else if (f == 2 && (t & 7) == 2) {
            int[] cr = p.bytesRange();
            charsmap = Arrays.copyOfRange(b, cr[0], cr[1]);
          } else if ((t & 7) == 0 && f >= 3 && f <= 5) {
            boolean v = p.varint() != 0;
            if (f == 3) {
              addDummyPrefix = v;
            } else if (f == 4) {
              removeExtraWhitespaces = v;
            } else {
              escapeWhitespaces = v;
            }
          } else {
            p.skip(t & 7);
          }
        }
      } else {
        r.skip(wire);
      }
    }
    if (list.isEmpty()) {
      throw new Align4jException(source + ": no pieces found; not a SentencePiece model (or an empty one)");
    }
    if (modelType != 2) {
      String name = switch (modelType) {
        case 1 -> "UNIGRAM";
        case 3 -> "WORD";
        case 4 -> "CHAR";
        default -> "type " + modelType;
      };
      throw new Align4jException(source + ": SentencePiece model type " + name + " is not supported (supported: BPE, as Llama 2's)");
    }
    if (charsmap != null && charsmap.length > 0) {
      charsMap = new CharsMap(charsmap, source + " (normalizer " + normName + ")");
    }
    pieces = list.toArray(new Piece[0]);
    Arrays.fill(byteIds, -1);
    Arrays.fill(bmpIds, -1);
    Map<Character, List<String>> ud = new HashMap<>();
    for (int i = 0; i < pieces.length; i++) {
      Piece p = pieces[i];
      switch (p.type()) {
        case NORMAL, USER_DEFINED, UNUSED -> {
          normal.putIfAbsent(p.piece(), i);
          if (p.piece().length() == 1) {
            bmpIds[p.piece().charAt(0)] = i;
          }
          if (p.type() == USER_DEFINED) {
            ud.computeIfAbsent(p.piece().charAt(0), k -> new ArrayList<>()).add(p.piece());
            specials.put(p.piece(), i);
          }
        }
        case BYTE -> {
          int v = Integer.parseInt(p.piece().substring(3, 5), 16);
          byteIds[v] = i;
        }
        case UNKNOWN -> {
          unkId = i;
          specials.put(p.piece(), i);
        }
        case CONTROL -> specials.put(p.piece(), i);
        default -> throw new Align4jException(source + ": piece #" + i + " has unknown type " + p.type());
      }
    }
    List<byte[]> udBytes = new ArrayList<>();
    for (var e : ud.entrySet()) {
      String[] a = e.getValue().toArray(new String[0]);
      Arrays.sort(a, Comparator.comparingInt(String::length).reversed());
      userDefined.put(e.getKey(), a);
      for (String x : a) {
        udBytes.add(x.getBytes(StandardCharsets.UTF_8));
      }
    }
    udBytes.sort(Comparator.comparingInt((byte[] x) -> x.length).reversed());
    userDefinedBytes = udBytes.toArray(new byte[0][]);
    if (unkId < 0 && unk >= 0 && unk < pieces.length) {
      unkId = unk;
    }
    bos = bosId >= 0 && bosId < pieces.length ? bosId : -1;
    eos = eosId >= 0 && eosId < pieces.length ? eosId : -1;
    // merge table: every split of a vocabulary piece into two vocabulary pieces; rank = dense rank of the score
    TreeSet<Float> scores = new TreeSet<>(Comparator.reverseOrder());
    for (Piece p : pieces) {
      scores.add(p.score());
    }
    Map<Float, Integer> rankOf = new HashMap<>();
    int rk = 0;
    for (Float s : scores) {
      rankOf.put(s, rk++);
    }
    merges = new BpeMerges(pieces.length * 4);
    for (var e : normal.entrySet()) {
      String k = e.getKey();
      int id = e.getValue();
      int rank = rankOf.get(pieces[id].score());
      for (int s = 1; s < k.length(); s++) {
        if (Character.isLowSurrogate(k.charAt(s))) {
          continue;
        }
        Integer a = normal.get(k.substring(0, s));
        Integer c = a == null ? null : normal.get(k.substring(s));
        if (c != null && pieces[a].type() != USER_DEFINED && pieces[c].type() != USER_DEFINED) {
          merges.add(a, c, rank, id);
        }
      }
    }
    // parse-special splitting: control and unknown pieces
    List<AddedTokens.Token> sp = new ArrayList<>();
    for (int i = 0; i < pieces.length; i++) {
      if (pieces[i].type() == CONTROL || pieces[i].type() == UNKNOWN) {
        sp.add(new AddedTokens.Token(pieces[i].piece(), i, true, false, false, false, false));
      }
    }
    added = new AddedTokens(sp);
  }

  String normalize(String text) {
    if (charsMap != null) {
      return normalizeWithCharsMap(text);
    }
    int i = 0;
    int n = text.length();
    if (removeExtraWhitespaces) {
      while (i < n && text.charAt(i) == ' ') {
        i++;
      }
    }
    if (i == n) {
      return "";
    }
    char space = escapeWhitespaces ? WS : ' ';
    StringBuilder sb = new StringBuilder(n + 2);
    if (addDummyPrefix && !treatWhitespaceAsSuffix) {
      sb.append(space);
    }
    boolean prevSpace = false;
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (c == ' ') {
        if (removeExtraWhitespaces && prevSpace) {
          continue;
        }
        sb.append(space);
        prevSpace = true;
      } else {
        sb.append(c);
        prevSpace = false;
      }
    }
    if (removeExtraWhitespaces) {
      while (sb.length() > 0 && sb.charAt(sb.length() - 1) == space) {
        sb.setLength(sb.length() - 1);
      }
    }
    if (addDummyPrefix && treatWhitespaceAsSuffix) {
      sb.append(space);
    }
    return sb.toString();
  }

  /** One normalized prefix of {@code in[i..)}: {@code {consumed}} and the output appended to {@code out}. */
  private int normalizePrefix(byte[] in, int i, Utf8.Bytes out) {
    for (byte[] u : userDefinedBytes) {
      if (u.length <= in.length - i && Arrays.equals(in, i, i + u.length, u, 0, u.length)) {
        out.write(u, 0, u.length);
        return u.length;
      }
    }
    int[] m = charsMap.longestMatch(in, i, in.length);
    if (m != null) {
      charsMap.appendReplacement(m[1], out);
      return m[0];
    }
    int n = Utf8.sequenceLength(in, i, in.length);
    if (n < 0) {
      out.write(0xEF);
      out.write(0xBF);
      out.write(0xBD);
      return 1;
    }
    out.write(in, i, n);
    return n;
  }

  /** sentencepiece::normalizer::Normalizer::Normalize with a precompiled character map. */
  private String normalizeWithCharsMap(String text) {
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    Utf8.Bytes piece = new Utf8.Bytes(16);
    int i = 0;
    if (removeExtraWhitespaces) {
      while (i < in.length) {
        piece.reset();
        int n = normalizePrefix(in, i, piece);
        if (!(piece.size() == 1 && piece.array()[0] == ' ')) {
          break;
        }
        i += n;
      }
    }
    if (i >= in.length) {
      return "";
    }
    byte[] ws = escapeWhitespaces ? "▁".getBytes(StandardCharsets.UTF_8) : new byte[] {' '};
    Utf8.Bytes out = new Utf8.Bytes(in.length + 8);
    if (addDummyPrefix && !treatWhitespaceAsSuffix) {
      out.write(ws, 0, ws.length);
    }
    boolean prevSpace = removeExtraWhitespaces;
    while (i < in.length) {
      piece.reset();
      int n = normalizePrefix(in, i, piece);
      byte[] sp = piece.array();
      int a = 0;
      int len = piece.size();
      if (prevSpace) {
        while (a < len && sp[a] == ' ') {
          a++;
        }
      }
      if (a < len) {
        for (int k = a; k < len; k++) {
          if (escapeWhitespaces && sp[k] == ' ') {
            out.write(ws, 0, ws.length);
          } else {
            out.write(sp[k]);
          }
        }
        prevSpace = sp[len - 1] == ' ';
      }
      i += n;
      prevSpace = prevSpace && removeExtraWhitespaces;
    }
    byte[] r = out.toByteArray();
    int end = r.length;
    if (removeExtraWhitespaces) {
      while (end >= ws.length && Arrays.equals(r, end - ws.length, end, ws, 0, ws.length)) {
        end -= ws.length;
      }
    }
    String s = new String(r, 0, end, StandardCharsets.UTF_8);
    if (addDummyPrefix && treatWhitespaceAsSuffix) {
      s = s + new String(ws, StandardCharsets.UTF_8);
    }
    return s;
  }

  @Override
  protected void encodeSegment(String text, boolean atStart, boolean parseSpecial, IntList out) {
    String s = normalize(text);
    int n = s.length();
    if (n == 0) {
      return;
    }
    int[] ids = new int[n];
    List<String> unknown = null;
    List<Integer> frozen = null;
    int m = 0;
    for (int i = 0; i < n; ) {
      char c = s.charAt(i);
      String[] ud = userDefined.isEmpty() ? null : userDefined.get(c);
      if (ud != null) {
        String hit = null;
        for (String u : ud) {
          if (s.startsWith(u, i)) {
            hit = u;
            break;
          }
        }
        if (hit != null) {
          if (frozen == null) {
            frozen = new ArrayList<>();
          }
          frozen.add(normal.get(hit));
          ids[m++] = -(frozen.size() - 1) - 1_000_000_000;
          i += hit.length();
          continue;
        }
      }
      int len = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
      int id = len == 1 ? bmpIds[c] : normal.getOrDefault(s.substring(i, i + 2), -1);
      if (id < 0) {
        if (unknown == null) {
          unknown = new ArrayList<>();
        }
        unknown.add(s.substring(i, i + len));
        id = -unknown.size();
      }
      ids[m++] = id;
      i += len;
    }
    m = merges.merge(ids, m);
    boolean prevUnk = false;
    for (int k = 0; k < m; k++) {
      int id = ids[k];
      if (id >= 0) {
        out.add(id);
      } else if (id <= -1_000_000_000) {
        out.add(frozen.get(-(id + 1_000_000_000)));
      } else {
        String u = unknown.get(-id - 1);
        if (byteFallback) {
          for (byte b : u.getBytes(StandardCharsets.UTF_8)) {
            out.add(byteIds[b & 0xFF] >= 0 ? byteIds[b & 0xFF] : unkId);
          }
        } else if (!prevUnk) {
          out.add(unkId); // consecutive unknown pieces become one <unk>, as SentencePiece does
        }
        prevUnk = !byteFallback;
        continue;
      }
      prevUnk = false;
    }
  }

  private String decodeImpl(int[] ids, Utf8.Bytes raw) {
    StringBuilder sb = new StringBuilder();
    Utf8.Bytes bytes = new Utf8.Bytes(16);
    boolean bosWs = addDummyPrefix || removeExtraWhitespaces;
    for (int id : ids) {
      checkId(id);
      Piece p = pieces[id];
      if (p.type() == BYTE) {
        bytes.write(Integer.parseInt(p.piece().substring(3, 5), 16));
        continue;
      }
      if (bytes.size() > 0) {
        bosWs = flush(bytes, sb, raw, bosWs);
      }
      String text;
      if (p.type() == CONTROL) {
        text = "";
      } else if (p.type() == UNKNOWN) {
        text = unkSurface;
      } else {
        String piece = p.piece();
        if (bosWs && !treatWhitespaceAsSuffix && piece.charAt(0) == WS) {
          piece = piece.substring(1);
        }
        text = piece.replace(WS, ' ');
      }
      if (!text.isEmpty() || p.type() == NORMAL || p.type() == USER_DEFINED) {
        bosWs = false;
      }
      append(sb, raw, text);
    }
    if (bytes.size() > 0) {
      flush(bytes, sb, raw, bosWs);
    }
    return raw == null ? sb.toString() : null;
  }

  private static boolean flush(Utf8.Bytes bytes, StringBuilder sb, Utf8.Bytes raw, boolean bosWs) {
    byte[] b = bytes.toByteArray();
    bytes.reset();
    if (raw != null) {
      raw.write(b, 0, b.length);
    } else {
      sb.append(Utf8.lossyPerByte(b, 0, b.length));
    }
    return false;
  }

  private static void append(StringBuilder sb, Utf8.Bytes raw, String text) {
    if (raw != null) {
      raw.add(text.getBytes(StandardCharsets.UTF_8));
    } else {
      sb.append(text);
    }
  }

  @Override
  public String decode(int[] ids) {
    return decodeImpl(ids, null);
  }

  @Override
  public byte[] decodeBytes(int[] ids) {
    Utf8.Bytes raw = new Utf8.Bytes(ids.length * 4);
    decodeImpl(ids, raw);
    return raw.toByteArray();
  }

  /** Writes a SentencePiece BPE ModelProto (Llama 2 trainer and normalizer settings). */
  static byte[] write(List<Piece> pieces, int vocabSize, int unkId, int bosId, int eosId) {
    Proto.Writer w = new Proto.Writer();
    for (Piece p : pieces) {
      Proto.Writer pw = new Proto.Writer().string(1, p.piece()).float32(2, p.score());
      if (p.type() != NORMAL) {
        pw.int32(3, p.type());
      }
      w.message(1, pw);
    }
    Proto.Writer ts = new Proto.Writer()
        .int32(3, 2) // model_type BPE
        .int32(4, vocabSize)
        .bool(22, true) // split_by_whitespace
        .bool(25, true) // split_digits
        .bool(26, true) // allow_whitespace_only_pieces
        .bool(35, true) // byte_fallback
        .int32(40, unkId)
        .int32(41, bosId)
        .int32(42, eosId)
        .int32(43, -1); // pad_id
    w.message(2, ts);
    Proto.Writer ns = new Proto.Writer().string(1, "identity").bool(3, true).bool(4, false).bool(5, true);
    w.message(3, ns);
    return w.toByteArray();
  }
}
