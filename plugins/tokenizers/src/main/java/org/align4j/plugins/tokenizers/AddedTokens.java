package org.align4j.plugins.tokenizers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text on added/special tokens, leftmost-longest, as Hugging Face's {@code AddedVocabulary} does
 * (with its lstrip / rstrip / single_word rules).
 */
final class AddedTokens {
  record Token(String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord, boolean normalized) {}

  /** A piece of split text: either a token id (id >= 0) or text to encode (id < 0). */
  record Part(String text, int id, int offset) {}

  private final Map<Character, Token[]> byFirst = new HashMap<>();
  private final boolean empty;
  private final boolean[] firstBmp = new boolean[65536];

  AddedTokens(List<Token> tokens) {
    Map<Character, List<Token>> m = new HashMap<>();
    for (Token t : tokens) {
      if (!t.content().isEmpty()) {
        m.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
      }
    }
    for (var e : m.entrySet()) {
      Token[] a = e.getValue().toArray(new Token[0]);
      Arrays.sort(a, Comparator.comparingInt((Token t) -> t.content().length()).reversed());
      byFirst.put(e.getKey(), a);
      firstBmp[e.getKey()] = true;
    }
    empty = byFirst.isEmpty();
  }

  boolean isEmpty() {
    return empty;
  }

  private static boolean isWordChar(int c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /**
   * Splits {@code text} like HF's {@code AddedVocabulary::find_matches}: leftmost-longest matches, non-overlapping;
   * a single_word token not on word boundaries is dropped (its text stays ordinary text); lstrip / rstrip take the
   * white space around a match. {@code includeSpecial}: special tokens are matched (else only non-special ones).
   */
  List<Part> split(String text, boolean includeSpecial) {
    List<Part> out = new ArrayList<>();
    if (empty) {
      out.add(new Part(text, -1, 0));
      return out;
    }
    int last = 0;
    int n = text.length();
    int i = 0;
    while (i < n) {
      Token hit = null;
      int at = i;
      for (; at < n; at++) {
        char c = text.charAt(at);
        if (!firstBmp[c]) {
          continue;
        }
        for (Token t : byFirst.get(c)) {
          if ((includeSpecial || !t.special()) && text.startsWith(t.content(), at)) {
            hit = t;
            break;
          }
        }
        if (hit != null) {
          break;
        }
      }
      if (hit == null) {
        break;
      }
      int start = at;
      int end = at + hit.content().length();
      if (hit.singleWord()) {
        boolean okLeft = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean okRight = end >= n || !isWordChar(text.codePointAt(end));
        if (!okLeft || !okRight) {
          i = end;
          continue;
        }
      }
      if (hit.lstrip()) {
        while (start > last && Llama3Splitter.isWhiteSpace(text.charAt(start - 1))) {
          start--;
        }
      }
      if (hit.rstrip()) {
        while (end < n && Llama3Splitter.isWhiteSpace(text.charAt(end))) {
          end++;
        }
      }
      if (start > last) {
        out.add(new Part(text.substring(last, start), -1, last));
      }
      out.add(new Part(hit.content(), hit.id(), start));
      last = end;
      i = end;
    }
    if (last < n) {
      out.add(new Part(text.substring(last), -1, last));
    }
    return out;
  }
}
