package org.align4j.plugins.stages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Fixed-length training rows for a language model: token ids, a loss mask, and (when documents are packed)
 * segment ids so that no token attends across documents. Padding has segment -1 and loss 0.
 */
final class LmRows {
  final int seqLen;
  final List<int[]> ids = new ArrayList<>();
  final List<byte[]> mask = new ArrayList<>();
  final List<int[]> segments = new ArrayList<>();
  long documents;
  long truncated;
  long lossTokens;

  LmRows(int seqLen) {
    this.seqLen = seqLen;
  }

  int size() {
    return ids.size();
  }

  /** Continuous-stream chunks (pretraining): documents concatenated, cut every seqLen tokens, plain causal attention. */
  static LmRows chunks(List<int[]> docs, int seqLen) {
    var r = new LmRows(seqLen);
    int total = docs.stream().mapToInt(d -> d.length).sum();
    int[] stream = new int[total];
    int p = 0;
    for (int[] d : docs) {
      System.arraycopy(d, 0, stream, p, d.length);
      p += d.length;
    }
    r.documents = docs.size();
    for (int s = 0; s + seqLen <= total; s += seqLen) {
      int[] row = Arrays.copyOfRange(stream, s, s + seqLen);
      byte[] m = new byte[seqLen];
      Arrays.fill(m, (byte) 1);
      r.ids.add(row);
      r.mask.add(m);
      r.lossTokens += seqLen - 1;
    }
    return r;
  }

  /**
   * Packs documents (each with its own loss mask) into rows of seqLen, first-fit in a seeded order: a
   * document goes into the first row with room, a too-long one is truncated. Each row keeps segment ids.
   */
  static LmRows packed(List<int[]> docIds, List<byte[]> docMasks, int seqLen, int padId, long seed, boolean pack) {
    var r = new LmRows(seqLen);
    Integer[] order = new Integer[docIds.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    var rng = new Random(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Integer t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    var fill = new ArrayList<Integer>();
    for (int di : order) {
      int[] d = docIds.get(di);
      byte[] m = docMasks.get(di);
      if (d.length > seqLen) {
        d = Arrays.copyOf(d, seqLen);
        m = Arrays.copyOf(m, seqLen);
        r.truncated++;
      }
      r.documents++;
      int row = -1;
      if (pack) {
        for (int k = Math.max(0, fill.size() - 8); k < fill.size(); k++) { // look back a few rows: O(n), tight enough
          if (fill.get(k) + d.length <= seqLen) {
            row = k;
            break;
          }
        }
      }
      if (row < 0) {
        r.ids.add(new int[seqLen]);
        r.mask.add(new byte[seqLen]);
        int[] seg = new int[seqLen];
        Arrays.fill(seg, -1);
        r.segments.add(seg);
        Arrays.fill(r.ids.get(r.ids.size() - 1), padId);
        fill.add(0);
        row = fill.size() - 1;
      }
      int at = fill.get(row);
      System.arraycopy(d, 0, r.ids.get(row), at, d.length);
      System.arraycopy(m, 0, r.mask.get(row), at, m.length);
      int segId = at == 0 ? 0 : r.segments.get(row)[at - 1] + 1;
      Arrays.fill(r.segments.get(row), at, at + d.length, segId);
      for (int i = 1; i < m.length; i++) {
        r.lossTokens += m[i];
      }
      fill.set(row, at + d.length);
    }
    return r;
  }

  boolean hasSegments() {
    return !segments.isEmpty();
  }
}
