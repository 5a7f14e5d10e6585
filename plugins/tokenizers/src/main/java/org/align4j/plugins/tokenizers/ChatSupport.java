package org.align4j.plugins.tokenizers;

import java.util.Arrays;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;

/** Helpers shared by the chat formats. */
final class ChatSupport {
  private ChatSupport() {}

  /** Python's {@code str.isspace()} set (what {@code str.strip()} and Jinja's {@code trim} in transformers remove). */
  static boolean isPySpace(int c) {
    return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
  }

  /** Python's {@code str.strip()}. */
  static String pyStrip(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && isPySpace(s.charAt(a))) {
      a++;
    }
    while (b > a && isPySpace(s.charAt(b - 1))) {
      b--;
    }
    return s.substring(a, b);
  }

  static int requireSpecial(Tokenizer t, String token, String format) {
    return t.specialId(token).orElseThrow(() -> new Align4jException(
        "chat format " + format + " needs the special token " + token + " but tokenizer " + t + " has none; use a "
            + format + " tokenizer (e.g. train one with the tokenizer-train stage, format " + format + ")"));
  }

  /** Length of the common prefix of two id arrays. */
  static int commonPrefix(int[] a, int[] b) {
    int n = Math.min(a.length, b.length);
    int i = 0;
    while (i < n && a[i] == b[i]) {
      i++;
    }
    return i;
  }

  /** Growable ids + mask + special positions. */
  static final class Builder {
    int[] ids = new int[64];
    byte[] mask = new byte[64];
    int n;
    int[] special = new int[16];
    int ns;

    void add(int id, boolean target, boolean isSpecial) {
      if (n == ids.length) {
        ids = Arrays.copyOf(ids, n * 2);
        mask = Arrays.copyOf(mask, n * 2);
      }
      if (isSpecial) {
        if (ns == special.length) {
          special = Arrays.copyOf(special, ns * 2);
        }
        special[ns++] = n;
      }
      ids[n] = id;
      mask[n++] = (byte) (target ? 1 : 0);
    }

    void addAll(int[] a, int from, int to, boolean target) {
      for (int i = from; i < to; i++) {
        add(a[i], target, false);
      }
    }

    org.align4j.api.text.RenderedChat build() {
      return new org.align4j.api.text.RenderedChat(Arrays.copyOf(ids, n), Arrays.copyOf(mask, n), Arrays.copyOf(special, ns));
    }
  }
}
