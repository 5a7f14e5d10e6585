package org.align4j.tokenizers;

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
   * Splits {@code text}. {@code includeSpecial}: special tokens are matched (else only non-special added tokens).
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
      Token[] cands = firstBmp[text.charAt(i)] ? byFirst.get(text.charAt(i)) : null;
      Token hit = null;
      if (cands != null) {
        for (Token t : cands) {
          if ((includeSpecial || !t.special()) && text.startsWith(t.content(), i)) {
            if (t.singleWord()) {
              int end = i + t.content().length();
              boolean okLeft = i == 0 || !isWordChar(text.codePointBefore(i));
              boolean okRight = end >= n || !isWordChar(text.codePointAt(end));
              if (!okLeft || !okRight) {
                continue;
              }
            }
            hit = t;
            break;
          }
        }
      }
      if (hit == null) {
        i++;
        continue;
      }
      int start = i;
      int end = i + hit.content().length();
      if (hit.lstrip()) {
        while (start > last && Character.isWhitespace(text.charAt(start - 1))) {
          start--;
        }
      }
      if (hit.rstrip()) {
        while (end < n && Character.isWhitespace(text.charAt(end))) {
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
