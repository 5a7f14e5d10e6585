package org.align4j.plugins.tokenizers;

/**
 * A BPE merge table, (left id, right id) to (rank, merged id), applied the way Hugging Face's {@code Word::merge_all}
 * does: a heap of candidate pairs ordered by rank then position, stale entries skipped. With rank = merged id
 * (tiktoken) this is tiktoken's {@code byte_pair_merge}; with rank = dense rank of the piece score this is
 * SentencePiece's BPE (highest score first, leftmost on ties).
 */
final class BpeMerges {
  private final LongLongMap pairs;

  BpeMerges(int expected) {
    pairs = new LongLongMap(expected);
  }

  static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }

  /** Adds a merge unless the pair already has one (the first, lowest-rank entry wins as in HF). */
  boolean add(int left, int right, int rank, int merged) {
    return pairs.putIfAbsent(key(left, right), ((long) rank << 32) | (merged & 0xFFFFFFFFL));
  }

  int size() {
    return pairs.size();
  }

  /** rank << 32 | merged id, or -1. */
  long lookup(int left, int right) {
    if (left < 0 || right < 0) {
      return -1;
    }
    return pairs.get(key(left, right), -1L);
  }

  /**
   * Merges {@code ids[0..n)} in place and returns the new length. Negative ids never merge (frozen or unknown
   * symbols).
   */
  int merge(int[] ids, int n) {
    if (n < 2) {
      return n;
    }
    if (n <= 24) {
      return mergeSmall(ids, n);
    }
    return mergeHeap(ids, n);
  }

  /** Quadratic scan for short words: repeatedly merges the lowest (rank, position) pair. */
  private int mergeSmall(int[] ids, int n) {
    long[] cand = new long[n];
    for (int i = 0; i + 1 < n; i++) {
      cand[i] = lookup(ids[i], ids[i + 1]);
    }
    while (n > 1) {
      int best = -1;
      long bestRank = Long.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        long c = cand[i];
        if (c >= 0 && (c >>> 32) < bestRank) {
          bestRank = c >>> 32;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      ids[best] = (int) cand[best];
      System.arraycopy(ids, best + 2, ids, best + 1, n - best - 2);
      System.arraycopy(cand, best + 2, cand, best + 1, n - best - 2);
      n--;
      if (best > 0) {
        cand[best - 1] = lookup(ids[best - 1], ids[best]);
      }
      cand[best] = best + 1 < n ? lookup(ids[best], ids[best + 1]) : -1;
    }
    return n;
  }

  /** HF's heap algorithm for long words. */
  private int mergeHeap(int[] ids, int n) {
    int[] next = new int[n];
    int[] prev = new int[n];
    boolean[] dead = new boolean[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    Heap heap = new Heap(n);
    for (int i = 0; i + 1 < n; i++) {
      long c = lookup(ids[i], ids[i + 1]);
      if (c >= 0) {
        heap.push((int) (c >>> 32), i, (int) c);
      }
    }
    while (heap.size > 0) {
      int rank = heap.topRank();
      int pos = heap.topPos();
      int merged = heap.topMerged();
      heap.pop();
      if (dead[pos] || next[pos] < 0) {
        continue;
      }
      int right = next[pos];
      long cur = lookup(ids[pos], ids[right]);
      if (cur < 0 || (int) cur != merged || (int) (cur >>> 32) != rank) {
        continue;
      }
      ids[pos] = merged;
      dead[right] = true;
      next[pos] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = pos;
      }
      if (prev[pos] >= 0) {
        long c = lookup(ids[prev[pos]], ids[pos]);
        if (c >= 0) {
          heap.push((int) (c >>> 32), prev[pos], (int) c);
        }
      }
      if (next[pos] >= 0) {
        long c = lookup(ids[pos], ids[next[pos]]);
        if (c >= 0) {
          heap.push((int) (c >>> 32), pos, (int) c);
        }
      }
    }
    int m = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      ids[m++] = ids[i];
    }
    return m;
  }

  /** Binary min-heap on (rank, position). */
  private static final class Heap {
    long[] keys;
    int[] merged;
    int size;

    Heap(int n) {
      keys = new long[Math.max(4, n * 2)];
      merged = new int[keys.length];
    }

    void push(int rank, int pos, int m) {
      if (size == keys.length) {
        keys = java.util.Arrays.copyOf(keys, size * 2);
        merged = java.util.Arrays.copyOf(merged, size * 2);
      }
      long k = ((long) rank << 32) | pos;
      int i = size++;
      while (i > 0) {
        int p = (i - 1) >>> 1;
        if (keys[p] <= k) {
          break;
        }
        keys[i] = keys[p];
        merged[i] = merged[p];
        i = p;
      }
      keys[i] = k;
      merged[i] = m;
    }

    int topRank() {
      return (int) (keys[0] >>> 32);
    }

    int topPos() {
      return (int) keys[0];
    }

    int topMerged() {
      return merged[0];
    }

    void pop() {
      size--;
      if (size == 0) {
        return;
      }
      long k = keys[size];
      int m = merged[size];
      int i = 0;
      while (true) {
        int c = 2 * i + 1;
        if (c >= size) {
          break;
        }
        if (c + 1 < size && keys[c + 1] < keys[c]) {
          c++;
        }
        if (keys[c] >= k) {
          break;
        }
        keys[i] = keys[c];
        merged[i] = merged[c];
        i = c;
      }
      keys[i] = k;
      merged[i] = m;
    }
  }
}
