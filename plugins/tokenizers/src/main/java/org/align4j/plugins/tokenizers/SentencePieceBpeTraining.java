package org.align4j.plugins.tokenizers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;

/** Llama 2's training algorithm: SentencePiece BPE with byte fallback over SentencePiece's training words. */
final class SentencePieceBpeTraining {
  private SentencePieceBpeTraining() {}

  /** The vocabulary in id order (unknown, bos, eos, 256 bytes, merged pieces, characters); {@code merged} of them merged. */
  record Pieces(List<SentencePieceTokenizer.Piece> pieces, int merged) {}

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
  static void countWords(String line, Map<String, long[]> words) {
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

  /**
   * Learns the pieces: the characters that make up {@code characterCoverage} of the text (the rest falls back to
   * bytes), then BPE merges over them until the vocabulary is full or no pair is frequent enough.
   */
  static Pieces learn(Map<String, long[]> words, TokenizerTrainer.Config c) {
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
    return new Pieces(pieces, mergedPieces.size());
  }
}
