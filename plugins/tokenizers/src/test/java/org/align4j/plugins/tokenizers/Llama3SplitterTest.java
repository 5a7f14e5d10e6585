package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written Llama 3 pre-tokenizer equals java.util.regex running the pattern, on adversarial random text. */
class Llama3SplitterTest {
  private static final String[] ATOMS = {"a", "Z", "é", "ß", "ſ", "s", "S", "t", "re", "VE", "m", "ll", "D", "'", "’", "1", "23",
      "٣", "½", "Ⅻ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u0085", "\u2028", "\u000b", "\u001c", "\ufeff",
      "\u200b", ".", ",", "!?", "-", "_", "<|", "|>", "😀", "👍🏽", "\u0301", "你", "ה", "ก", "\uD835\uDD18", "$", "\\"};

  @Test
  void handWrittenMatcherEqualsRegex() {
    Pattern p = Regexes.compile(Regexes.LLAMA3);
    Random r = new Random(42);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + r.nextInt(12);
      for (int i = 0; i < len; i++) {
        sb.append(ATOMS[r.nextInt(ATOMS.length)]);
      }
      String s = sb.toString();
      List<String> want = new ArrayList<>();
      Matcher m = p.matcher(s);
      int last = 0;
      while (m.find()) {
        if (m.start() > last) {
          want.add(s.substring(last, m.start()));
        }
        want.add(m.group());
        last = m.end();
      }
      if (last < s.length()) {
        want.add(s.substring(last));
      }
      List<String> got = new ArrayList<>();
      Llama3Splitter.split(s, got);
      assertEquals(want, got, () -> "split of " + s.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList());
    }
  }
}
