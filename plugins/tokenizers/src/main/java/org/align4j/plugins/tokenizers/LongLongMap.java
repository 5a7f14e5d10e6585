package org.align4j.plugins.tokenizers;

/**
 * Open-addressing long to long map (no boxing); keys and values interleaved in one array so a lookup touches one
 * cache line. The key {@link Long#MIN_VALUE} is reserved.
 */
final class LongLongMap {
  private static final long EMPTY = Long.MIN_VALUE;
  private long[] table;
  private int size;
  private int mask;

  LongLongMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    table = new long[cap * 2];
    for (int i = 0; i < table.length; i += 2) {
      table[i] = EMPTY;
    }
    mask = cap - 1;
  }

  private static int hash(long k) {
    long h = k * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  long get(long key, long missing) {
    int i = hash(key) & mask;
    while (true) {
      long k = table[2 * i];
      if (k == key) {
        return table[2 * i + 1];
      }
      if (k == EMPTY) {
        return missing;
      }
      i = (i + 1) & mask;
    }
  }

  /** Puts unless present; returns true when inserted. */
  boolean putIfAbsent(long key, long value) {
    return insert(key, value, false);
  }

  void put(long key, long value) {
    insert(key, value, true);
  }

  private boolean insert(long key, long value, boolean replace) {
    if ((size + 1) * 2 > mask + 1) {
      grow();
    }
    int i = hash(key) & mask;
    while (true) {
      long k = table[2 * i];
      if (k == key) {
        if (replace) {
          table[2 * i + 1] = value;
        }
        return false;
      }
      if (k == EMPTY) {
        table[2 * i] = key;
        table[2 * i + 1] = value;
        size++;
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  int size() {
    return size;
  }

  private void grow() {
    long[] old = table;
    table = new long[old.length * 2];
    for (int i = 0; i < table.length; i += 2) {
      table[i] = EMPTY;
    }
    mask = table.length / 2 - 1;
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != EMPTY) {
        insert(old[i], old[i + 1], true);
      }
    }
  }
}
