package org.align4j.plugins.tokenizers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Llama 3's training algorithm: byte-level BPE over the words of Llama 3's split pattern. */
final class ByteLevelBpeTraining {
  private ByteLevelBpeTraining() {}

  /** What was learned: each id's bytes (the 256 single bytes, then one per merge) and the merges as id pairs. */
  record Vocabulary(byte[][] tokens, int[][] merges) {
    /** Ids before the special tokens. */
    int size() {
      return tokens.length;
    }
  }

  /** Counts the training words of one text: the pieces of Llama 3's split pattern. */
  static void countWords(String text, Map<String, long[]> words) {
    List<String> pieces = new ArrayList<>();
    Llama3Splitter.split(text, pieces);
    for (String p : pieces) {
      words.computeIfAbsent(p, k -> new long[1])[0]++;
    }
  }

  /**
   * Learns {@code maxMerges} merges at most (fewer when no pair occurs {@code minFrequency} times any more) over
   * the words' UTF-8 bytes, ties broken by the words' sorted order so that a corpus always gives the same result.
   */
  static Vocabulary learn(Map<String, long[]> words, int maxMerges, int minFrequency) {
    List<String> keys = new ArrayList<>(words.keySet());
    keys.sort(Comparator.naturalOrder());
    List<int[]> syms = new ArrayList<>(keys.size());
    long[] counts = new long[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      byte[] b = keys.get(i).getBytes(StandardCharsets.UTF_8);
      int[] s = new int[b.length];
      for (int k = 0; k < b.length; k++) {
        s[k] = b[k] & 0xFF;
      }
      syms.add(s);
      counts[i] = words.get(keys.get(i))[0];
    }
    BpeTrainer.Result r = BpeTrainer.train(syms, counts, 256, maxMerges, minFrequency);
    int base = 256 + r.merges().length;
    byte[][] tok = new byte[base][];
    for (int b = 0; b < 256; b++) {
      tok[b] = new byte[] {(byte) b};
    }
    for (int k = 0; k < r.merges().length; k++) {
      byte[] x = tok[r.merges()[k][0]];
      byte[] y = tok[r.merges()[k][1]];
      byte[] z = new byte[x.length + y.length];
      System.arraycopy(x, 0, z, 0, x.length);
      System.arraycopy(y, 0, z, x.length, y.length);
      tok[256 + k] = z;
    }
    return new Vocabulary(tok, r.merges());
  }
}
