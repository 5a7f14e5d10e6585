package org.align4j.core.recipe;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean" suggestions by edit distance. */
public final class Suggest {
  private Suggest() {}

  public static Optional<String> nearest(String wrong, Collection<String> valid) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String v : valid) {
      int d = distance(wrong.toLowerCase(), v.toLowerCase());
      if (d < bestD) {
        bestD = d;
        best = v;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    int limit = Math.max(2, Math.min(wrong.length(), best.length()) / 2);
    if (bestD <= limit) {
      return Optional.of(best);
    }
    // a shortened or extended name: "delay" for "delay_ms"
    String w = wrong.toLowerCase();
    return valid.stream().filter(v -> w.length() >= 3 && (v.toLowerCase().startsWith(w) || w.startsWith(v.toLowerCase())))
        .findFirst();
  }

  /** " (did you mean 'x'?)" or a list of the valid values when none is close. */
  public static String hint(String wrong, Collection<String> valid) {
    return nearest(wrong, valid)
        .map(s -> "; did you mean '" + s + "'?")
        .orElseGet(() -> valid.isEmpty() ? "" : "; valid: " + String.join(", ", valid.stream().sorted().toList()));
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          cur[j] = Math.min(cur[j], prev[j - 1]); // transposition (approximate)
        }
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
