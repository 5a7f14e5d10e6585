package org.align4j.plugins.tokenizers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SentencePiece's precompiled character map (the {@code nmt_nfkc} / {@code nfkc} normalization rules): a Darts-clone
 * double-array trie over UTF-8 bytes whose values point into a blob of NUL-terminated replacement strings. Longest
 * prefix match per position, as {@code sentencepiece::normalizer::Normalizer::NormalizePrefix}.
 */
final class CharsMap {
  private final int[] units;
  private final byte[] normalized;

  CharsMap(byte[] blob, String source) {
    if (blob.length < 4) {
      throw new org.align4j.api.Align4jException(source + ": precompiled_charsmap is truncated");
    }
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    int trieSize = b.getInt();
    if (trieSize < 0 || trieSize % 4 != 0 || 4 + trieSize > blob.length) {
      throw new org.align4j.api.Align4jException(source + ": precompiled_charsmap has a bad trie size " + trieSize);
    }
    units = new int[trieSize / 4];
    for (int i = 0; i < units.length; i++) {
      units[i] = b.getInt();
    }
    normalized = new byte[blob.length - 4 - trieSize];
    b.get(normalized);
  }

  private static boolean hasLeaf(int u) {
    return ((u >>> 8) & 1) == 1;
  }

  private static int value(int u) {
    return u & 0x7FFFFFFF;
  }

  private static int label(int u) {
    return u & (0x80000000 | 0xFF);
  }

  private static int offset(int u) {
    return (u >>> 10) << ((u & (1 << 9)) >>> 6);
  }

  /** Longest rule matching at {@code from}: {@code {length, valueOffset}}, or null. */
  int[] longestMatch(byte[] key, int from, int to) {
    if (units.length == 0) {
      return null;
    }
    int nodePos = 0;
    int unit = units[nodePos];
    nodePos ^= offset(unit);
    int[] best = null;
    for (int i = from; i < to; i++) {
      int k = key[i] & 0xFF;
      nodePos ^= k;
      if (nodePos < 0 || nodePos >= units.length) {
        return best;
      }
      unit = units[nodePos];
      if (label(unit) != k) {
        return best;
      }
      nodePos ^= offset(unit);
      if (hasLeaf(unit)) {
        if (nodePos < 0 || nodePos >= units.length) {
          return best;
        }
        best = new int[] {i + 1 - from, value(units[nodePos])};
      }
    }
    return best;
  }

  /** Appends the replacement string at {@code valueOffset} (NUL-terminated) to {@code out}. */
  void appendReplacement(int valueOffset, Utf8.Bytes out) {
    int e = valueOffset;
    while (e < normalized.length && normalized[e] != 0) {
      e++;
    }
    out.write(normalized, valueOffset, e - valueOffset);
  }

  /** The replacement bytes at {@code valueOffset}. */
  byte[] replacement(int valueOffset) {
    Utf8.Bytes b = new Utf8.Bytes(8);
    appendReplacement(valueOffset, b);
    return b.toByteArray();
  }
}
