package org.align4j.plugins.tokenizers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** UTF-8 helpers with the replacement rules of the reference implementations. */
final class Utf8 {
  private Utf8() {}

  /**
   * Length of the well-formed UTF-8 sequence at {@code i} (1..4), or minus the length of the maximal ill-formed
   * subpart (Unicode's "maximal subpart" rule, the one Rust's {@code from_utf8_lossy} uses).
   */
  static int sequenceLength(byte[] b, int i, int end) {
    int c = b[i] & 0xFF;
    if (c < 0x80) {
      return 1;
    }
    int need;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) {
        lo = 0xA0;
      } else if (c == 0xED) {
        hi = 0x9F;
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) {
        lo = 0x90;
      } else if (c == 0xF4) {
        hi = 0x8F;
      }
    } else {
      return -1;
    }
    int k = 1;
    for (; k <= need; k++) {
      if (i + k >= end) {
        return -k;
      }
      int d = b[i + k] & 0xFF;
      int l = k == 1 ? lo : 0x80;
      int h = k == 1 ? hi : 0xBF;
      if (d < l || d > h) {
        return -k;
      }
    }
    return need + 1;
  }

  static boolean isValid(byte[] b) {
    for (int i = 0; i < b.length; ) {
      int n = sequenceLength(b, i, b.length);
      if (n < 0) {
        return false;
      }
      i += n;
    }
    return true;
  }

  /** Rust's {@code String::from_utf8_lossy}: one U+FFFD per maximal ill-formed subpart. */
  static String lossyMaximalSubpart(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    int i = from;
    int runStart = from;
    while (i < to) {
      int n = sequenceLength(b, i, to);
      if (n > 0) {
        i += n;
      } else {
        if (i > runStart) {
          sb.append(new String(b, runStart, i - runStart, StandardCharsets.UTF_8));
        }
        sb.append('\uFFFD');
        i += -n;
        runStart = i;
      }
    }
    if (to > runStart) {
      sb.append(new String(b, runStart, to - runStart, StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  static String lossyMaximalSubpart(byte[] b) {
    return lossyMaximalSubpart(b, 0, b.length);
  }

  /** One U+FFFD per byte that does not start a well-formed sequence (SentencePiece's byte-piece decoding). */
  static String lossyPerByte(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    int i = from;
    while (i < to) {
      int n = sequenceLength(b, i, to);
      if (n > 0) {
        sb.append(new String(b, i, n, StandardCharsets.UTF_8));
        i += n;
      } else {
        sb.append('\uFFFD');
        i++;
      }
    }
    return sb.toString();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A growable byte buffer without synchronization. */
  static final class Bytes extends ByteArrayOutputStream {
    Bytes(int n) {
      super(n);
    }

    void add(byte[] b) {
      write(b, 0, b.length);
    }

    byte[] array() {
      return buf;
    }
  }
}
