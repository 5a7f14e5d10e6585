package org.align4j.toolkit.data;

import java.util.Random;

/** Example orders that a seed fixes, so a resumed run visits the rows in the same order. */
public final class Permutations {
  private Permutations() {}

  /** {@code 0..n-1} in the order a Fisher-Yates shuffle drawing from {@code random} gives. */
  public static int[] shuffled(int n, Random random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
