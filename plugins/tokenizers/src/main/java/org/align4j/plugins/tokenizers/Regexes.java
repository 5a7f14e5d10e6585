package org.align4j.plugins.tokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pre-tokenizer regular expressions, translated from Oniguruma / Rust regex syntax to java.util.regex. */
final class Regexes {
  /** Llama 3's split pattern (tokenizer.json and Meta's tiktoken tokenizer). */
  static final String LLAMA3 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** GPT-2's pattern (ByteLevel pre-tokenizer with use_regex). */
  static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  private Regexes() {}

  /**
   * Compiles an Oniguruma-style pattern: {@code \s}/{@code \S} mean Unicode White_Space, {@code (?i)} folds Unicode
   * case.
   */
  static Pattern compile(String onig) {
    StringBuilder sb = new StringBuilder(onig.length() + 32);
    for (int i = 0; i < onig.length(); i++) {
      char c = onig.charAt(i);
      if (c == '\\' && i + 1 < onig.length()) {
        char d = onig.charAt(i + 1);
        if (d == 's') {
          sb.append("\\p{IsWhite_Space}");
        } else if (d == 'S') {
          sb.append("\\P{IsWhite_Space}");
        } else {
          sb.append(c).append(d);
        }
        i++;
      } else if (c == '(' && onig.startsWith("(?i:", i)) {
        sb.append("(?iu:");
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return Pattern.compile(sb.toString());
  }

  /** Matches and the gaps between them, in order (HF's Split with behaviour Isolated). */
  static void splitIsolated(Pattern p, String s, List<String> out) {
    if (p == null) {
      out.add(s);
      return;
    }
    if (p.pattern().equals(LLAMA3_JAVA)) {
      Llama3Splitter.split(s, out);
      return;
    }
    Matcher m = p.matcher(s);
    int last = 0;
    while (m.find()) {
      if (m.start() > last) {
        out.add(s.substring(last, m.start()));
      }
      if (m.end() > m.start()) {
        out.add(s.substring(m.start(), m.end()));
      }
      last = m.end();
    }
    if (last < s.length()) {
      out.add(s.substring(last));
    }
  }

  static final String LLAMA3_JAVA = compile(LLAMA3).pattern();

  static List<String> splitIsolated(Pattern p, String s) {
    List<String> out = new ArrayList<>();
    splitIsolated(p, s, out);
    return out;
  }
}
