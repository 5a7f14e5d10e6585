package org.align4j.plugins.tokenizers;

import java.util.List;

/**
 * A hand-written matcher for Llama 3's pre-tokenizer pattern {@link Regexes#LLAMA3}, equivalent to the regex (leftmost
 * alternative wins, with the regex's backtracking worked out per alternative) and several times faster.
 */
final class Llama3Splitter {
  private Llama3Splitter() {}

  static boolean isWhiteSpace(int c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
        || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
  }

  static boolean isLetter(int c) {
    if (c < 128) {
      return (c | 32) >= 'a' && (c | 32) <= 'z';
    }
    return Character.isLetter(c);
  }

  static boolean isNumber(int c) {
    if (c < 128) {
      return c >= '0' && c <= '9';
    }
    int t = Character.getType(c);
    return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
  }

  private static boolean isOther(int c) {
    return !isWhiteSpace(c) && !isLetter(c) && !isNumber(c);
  }

  private static boolean isCrLf(int c) {
    return c == '\r' || c == '\n';
  }

  private static int lower(int c) {
    return c == 0x17F ? 's' : (c < 128 ? (c | 32) : -1);
  }

  static void split(String s, List<String> out) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      int end = matchAt(s, i, n);
      out.add(s.substring(i, end));
      i = end;
    }
  }

  /** End of the match starting at {@code i} (every position starts a match with this pattern). */
  static int matchAt(String s, int i, int n) {
    int c = s.codePointAt(i);
    int cl = Character.charCount(c);
    // 1: (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c == '\'' && i + 1 < n) {
      int a = lower(s.charAt(i + 1));
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        return i + 2;
      }
      if (i + 2 < n) {
        int b = lower(s.charAt(i + 2));
        if ((a == 'r' || a == 'v') && b == 'e') {
          return i + 3;
        }
        if (a == 'l' && b == 'l') {
          return i + 3;
        }
      }
    }
    // 2: [^\r\n\p{L}\p{N}]?\p{L}+
    if (!isCrLf(c) && !isLetter(c) && !isNumber(c) && i + cl < n && isLetter(s.codePointAt(i + cl))) {
      return letters(s, i + cl, n);
    }
    if (isLetter(c)) {
      return letters(s, i, n);
    }
    // 3: \p{N}{1,3}
    if (isNumber(c)) {
      int j = i + cl;
      for (int k = 1; k < 3 && j < n; k++) {
        int d = s.codePointAt(j);
        if (!isNumber(d)) {
          break;
        }
        j += Character.charCount(d);
      }
      return j;
    }
    // 4: ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    int start = -1;
    if (c == ' ' && i + 1 < n && isOther(s.codePointAt(i + 1))) {
      start = i + 1;
    } else if (isOther(c)) {
      start = i;
    }
    if (start >= 0) {
      int j = start;
      while (j < n) {
        int d = s.codePointAt(j);
        if (!isOther(d)) {
          break;
        }
        j += Character.charCount(d);
      }
      while (j < n && isCrLf(s.charAt(j))) {
        j++;
      }
      return j;
    }
    // c is white space here (every other code point matched above)
    int j = i;
    int lastCrLf = -1;
    int beforeLast = i;
    while (j < n) {
      int d = s.codePointAt(j);
      if (!isWhiteSpace(d)) {
        break;
      }
      if (isCrLf(d)) {
        lastCrLf = j;
      }
      beforeLast = j;
      j += Character.charCount(d);
    }
    // 5: \s*[\r\n]+
    if (lastCrLf >= 0) {
      return lastCrLf + 1;
    }
    // 6: \s+(?!\S)
    if (j == n) {
      return j;
    }
    if (beforeLast > i) {
      return beforeLast;
    }
    // 7: \s+
    return j;
  }

  private static int letters(String s, int j, int n) {
    while (j < n) {
      int d = s.codePointAt(j);
      if (!isLetter(d)) {
        break;
      }
      j += Character.charCount(d);
    }
    return j;
  }
}
