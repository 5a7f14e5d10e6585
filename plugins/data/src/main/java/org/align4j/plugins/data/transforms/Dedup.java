package org.align4j.plugins.data.transforms;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/**
 * Duplicate removal, keeping the first occurrence: exact (a 128-bit hash of the row's text) and near
 * (MinHash over character shingles with LSH banding; a candidate is dropped when its estimated Jaccard
 * similarity to a kept row reaches the threshold). Memory grows with the rows kept (16 bytes each for
 * exact, a signature each for near), not with their size.
 */
public final class Dedup {
  private Dedup() {}

  /** The text a row is compared by: given columns (default: messages, or prompt+chosen, or text), concatenated. */
  public static Function<Map<String, ?>, String> textOf(List<String> columns) {
    return row -> {
      List<String> cols = columns;
      if (cols == null || cols.isEmpty()) {
        cols = row.containsKey(Schemas.MESSAGES) ? List.of(Schemas.MESSAGES)
            : row.containsKey(Schemas.PROMPT) ? List.of(Schemas.PROMPT, Schemas.CHOSEN, Schemas.RESPONSE)
            : row.containsKey(Schemas.TEXT_COLUMN) ? List.of(Schemas.TEXT_COLUMN) : List.copyOf(row.keySet());
      }
      StringBuilder sb = new StringBuilder();
      for (String c : cols) {
        Object v = row.get(c);
        if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map) {
          for (Message m : Rows.messages(v)) {
            sb.append(m.role()).append(": ").append(m.content()).append('\n');
          }
        } else if (v != null) {
          sb.append(v).append('\n');
        }
        sb.append('\u0001');
      }
      return sb.toString();
    };
  }

  /** Drops rows whose text equals an earlier row's. */
  public static <R extends Map<String, ?>> Iterator<R> exact(Iterator<R> in, Function<Map<String, ?>, String> text, long[] dropped) {
    Set<Key> seen = new HashSet<>();
    return filter(in, r -> {
      byte[] b = text.apply(r).getBytes(StandardCharsets.UTF_8);
      boolean fresh = seen.add(new Key(hash(b, 0x243F6A8885A308D3L), hash(b, 0x13198A2E03707344L)));
      if (!fresh && dropped != null) {
        dropped[0]++;
      }
      return fresh;
    });
  }

  private record Key(long a, long b) {}

  /** MinHash near-duplicate filter. */
  public static final class MinHash {
    private final int shingle;
    private final int bands;
    private final int rowsPerBand;
    private final double threshold;
    private final long[] seeds;
    private final List<Map<Long, List<Integer>>> tables = new ArrayList<>();
    private final List<int[]> kept = new ArrayList<>();

    /**
     * @param shingle characters per shingle (on lowercased, whitespace-collapsed text)
     * @param bands LSH bands; {@code bands * rowsPerBand} hash functions
     * @param threshold estimated Jaccard similarity at or above which a row is a near-duplicate
     */
    public MinHash(int shingle, int bands, int rowsPerBand, double threshold, long seed) {
      if (shingle < 1 || bands < 1 || rowsPerBand < 1) {
        throw new IllegalArgumentException("minhash: shingle, bands and rows_per_band must be >= 1");
      }
      if (!(threshold > 0 && threshold <= 1)) {
        throw new IllegalArgumentException("minhash threshold must be in (0, 1], got " + threshold);
      }
      this.shingle = shingle;
      this.bands = bands;
      this.rowsPerBand = rowsPerBand;
      this.threshold = threshold;
      Random rng = new Random(seed);
      seeds = new long[bands * rowsPerBand];
      for (int i = 0; i < seeds.length; i++) {
        seeds[i] = rng.nextLong() | 1L;
      }
      for (int b = 0; b < bands; b++) {
        tables.add(new HashMap<>());
      }
    }

    /** Default: 5-character shingles, 20 bands x 6 rows (120 hashes), threshold 0.8. */
    public static MinHash defaults(long seed) {
      return new MinHash(5, 20, 6, 0.8, seed);
    }

    public int[] signature(String text) {
      String t = text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
      int[] sig = new int[seeds.length];
      java.util.Arrays.fill(sig, Integer.MAX_VALUE);
      int n = Math.max(1, t.length() - shingle + 1);
      for (int i = 0; i < n; i++) {
        String sh = t.substring(i, Math.min(t.length(), i + shingle));
        long base = hash(sh.getBytes(StandardCharsets.UTF_8), 0x452821E638D01377L);
        for (int k = 0; k < seeds.length; k++) {
          long h = base * seeds[k];
          h ^= h >>> 31;
          int v = (int) (h >>> 33);
          if (v < sig[k]) {
            sig[k] = v;
          }
        }
      }
      return sig;
    }

    /** Estimated Jaccard similarity of two signatures. */
    public static double similarity(int[] a, int[] b) {
      int eq = 0;
      for (int i = 0; i < a.length; i++) {
        if (a[i] == b[i]) {
          eq++;
        }
      }
      return (double) eq / a.length;
    }

    /** True (and remembered) when {@code text} is not a near-duplicate of a kept text. */
    public boolean offer(String text) {
      int[] sig = signature(text);
      long[] bandKeys = new long[bands];
      Set<Integer> candidates = new HashSet<>();
      for (int b = 0; b < bands; b++) {
        long h = 1469598103934665603L;
        for (int r = 0; r < rowsPerBand; r++) {
          h = (h ^ sig[b * rowsPerBand + r]) * 1099511628211L;
        }
        bandKeys[b] = h;
        List<Integer> hit = tables.get(b).get(h);
        if (hit != null) {
          candidates.addAll(hit);
        }
      }
      for (int c : candidates) {
        if (similarity(sig, kept.get(c)) >= threshold) {
          return false;
        }
      }
      int id = kept.size();
      kept.add(sig);
      for (int b = 0; b < bands; b++) {
        tables.get(b).computeIfAbsent(bandKeys[b], k -> new ArrayList<>(1)).add(id);
      }
      return true;
    }
  }

  /** Drops rows that are near-duplicates of an earlier kept row. */
  public static <R extends Map<String, ?>> Iterator<R> near(Iterator<R> in, Function<Map<String, ?>, String> text,
      MinHash minHash, long[] dropped) {
    return filter(in, r -> {
      boolean keep = minHash.offer(text.apply(r));
      if (!keep && dropped != null) {
        dropped[0]++;
      }
      return keep;
    });
  }

  static <T> Iterator<T> filter(Iterator<T> in, java.util.function.Predicate<T> keep) {
    return new Lookahead<>() {
      @Override
      protected T advance() {
        while (in.hasNext()) {
          T r = in.next();
          if (keep.test(r)) {
            return r;
          }
        }
        return null;
      }
    };
  }

  /** 64-bit hash of bytes (murmur-style mixing), seeded. */
  static long hash(byte[] b, long seed) {
    long h = seed ^ (b.length * 0xC6A4A7935BD1E995L);
    for (int i = 0; i < b.length; i++) {
      h ^= (b[i] & 0xffL) << ((i & 7) * 8);
      if ((i & 7) == 7) {
        h *= 0xC6A4A7935BD1E995L;
        h ^= h >>> 47;
      }
    }
    h *= 0xC6A4A7935BD1E995L;
    h ^= h >>> 47;
    h *= 0xC6A4A7935BD1E995L;
    h ^= h >>> 47;
    return h;
  }
}
