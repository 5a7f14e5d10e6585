package org.align4j.plugins.tokenizers;

/** GPT-2's reversible byte to printable-character mapping used by byte-level BPE vocabularies. */
final class ByteLevel {
  static final char[] BYTE_TO_CHAR = new char[256];
  static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + n++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  static String encode(byte[] bytes, int from, int to) {
    char[] c = new char[to - from];
    for (int i = from; i < to; i++) {
      c[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(c);
  }

  static String encode(byte[] bytes) {
    return encode(bytes, 0, bytes.length);
  }

  /** The bytes of a byte-level string, or null when it holds a character outside the mapping. */
  static byte[] decode(String s) {
    byte[] out = new byte[s.length()];
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int b = c < 512 ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        return null;
      }
      out[i] = (byte) b;
    }
    return out;
  }
}
