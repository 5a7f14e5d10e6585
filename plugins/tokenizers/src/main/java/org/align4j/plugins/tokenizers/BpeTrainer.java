package org.align4j.plugins.tokenizers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-pair-encoding merge learner over weighted words of integer symbols. Deterministic: the most frequent pair
 * wins, ties go to the smallest (left, right) id pair. New symbols get ids {@code alphabet, alphabet + 1, ...}.
 */
final class BpeTrainer {
  private BpeTrainer() {}

  /** The learned merges, in order: {@code merges[k] = {left, right}} makes symbol {@code alphabet + k}. */
  record Result(int[][] merges) {}

  static Result train(List<int[]> words, long[] counts, int alphabet, int maxMerges, long minFrequency) {
    int nw = words.size();
    int[][] syms = new int[nw][];
    int[] len = new int[nw];
    for (int i = 0; i < nw; i++) {
      syms[i] = words.get(i).clone();
      len[i] = syms[i].length;
    }
    LongLongMap pairCount = new LongLongMap(1 << 16);
    Map<Long, IntBag> where = new HashMap<>();
    for (int w = 0; w < nw; w++) {
      for (int i = 0; i + 1 < len[w]; i++) {
        long k = BpeMerges.key(syms[w][i], syms[w][i + 1]);
        pairCount.put(k, pairCount.get(k, 0) + counts[w]);
        where.computeIfAbsent(k, x -> new IntBag()).add(w);
      }
    }
    PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
    for (Long k : where.keySet()) {
      heap.add(new long[] {pairCount.get(k, 0), k});
    }
    int[] stamp = new int[nw];
    Arrays.fill(stamp, -1);
    List<int[]> merges = new ArrayList<>();
    int[] buf = new int[64];
    while (merges.size() < maxMerges && !heap.isEmpty()) {
      long[] top = heap.poll();
      long key = top[1];
      long cur = pairCount.get(key, 0);
      if (cur != top[0]) {
        continue; // stale
      }
      if (cur < minFrequency || cur <= 0) {
        break;
      }
      int a = (int) (key >>> 32);
      int b = (int) key;
      int c = alphabet + merges.size();
      merges.add(new int[] {a, b});
      int step = merges.size();
      IntBag ws = where.remove(key);
      Map<Long, Boolean> touched = new HashMap<>();
      for (int t = 0; t < ws.size; t++) {
        int w = ws.data[t];
        if (stamp[w] == step) {
          continue;
        }
        stamp[w] = step;
        int[] s = syms[w];
        int n = len[w];
        boolean has = false;
        for (int i = 0; i + 1 < n; i++) {
          if (s[i] == a && s[i + 1] == b) {
            has = true;
            break;
          }
        }
        if (!has) {
          continue;
        }
        long cnt = counts[w];
        for (int i = 0; i + 1 < n; i++) {
          long k = BpeMerges.key(s[i], s[i + 1]);
          pairCount.put(k, pairCount.get(k, 0) - cnt);
          touched.put(k, Boolean.TRUE);
        }
        if (buf.length < n) {
          buf = new int[n * 2];
        }
        int m = 0;
        for (int i = 0; i < n; ) {
          if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            buf[m++] = c;
            i += 2;
          } else {
            buf[m++] = s[i++];
          }
        }
        System.arraycopy(buf, 0, s, 0, m);
        len[w] = m;
        for (int i = 0; i + 1 < m; i++) {
          long k = BpeMerges.key(s[i], s[i + 1]);
          pairCount.put(k, pairCount.get(k, 0) + cnt);
          touched.put(k, Boolean.TRUE);
          if (s[i] == c || s[i + 1] == c) {
            where.computeIfAbsent(k, x -> new IntBag()).add(w);
          }
        }
      }
      for (Long k : touched.keySet()) {
        if (k != key) {
          long v = pairCount.get(k, 0);
          if (v > 0) {
            heap.add(new long[] {v, k});
          }
        }
      }
      pairCount.put(key, 0);
    }
    return new Result(merges.toArray(new int[0][]));
  }

  /** Growable int list. */
  static final class IntBag {
    int[] data = new int[4];
    int size;

    void add(int v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
    }
  }
}
