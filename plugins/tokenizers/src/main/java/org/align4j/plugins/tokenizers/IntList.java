package org.align4j.plugins.tokenizers;

import java.util.Arrays;

/** A growable int array. */
final class IntList {
  int[] a;
  int size;

  IntList(int cap) {
    a = new int[Math.max(4, cap)];
  }

  void add(int v) {
    if (size == a.length) {
      a = Arrays.copyOf(a, size * 2);
    }
    a[size++] = v;
  }

  void addAll(int[] v, int n) {
    if (size + n > a.length) {
      a = Arrays.copyOf(a, Math.max(a.length * 2, size + n));
    }
    System.arraycopy(v, 0, a, size, n);
    size += n;
  }

  int[] toArray() {
    return Arrays.copyOf(a, size);
  }
}
