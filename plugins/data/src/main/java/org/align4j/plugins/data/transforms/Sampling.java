package org.align4j.plugins.data.transforms;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/** Seeded shuffling, weighted mixing and train/eval splitting of row streams. */
public final class Sampling {
  private Sampling() {}

  /**
   * A seeded shuffle with a buffer of {@code bufferSize} rows (memory bound). When the whole stream fits
   * in the buffer the result is a uniform random permutation; otherwise rows move at most about a buffer
   * length (the usual streaming shuffle).
   */
  public static <T> Iterator<T> shuffle(Iterator<T> in, long seed, int bufferSize) {
    if (bufferSize < 1) {
      throw new IllegalArgumentException("shuffle buffer must be >= 1, got " + bufferSize);
    }
    Random rng = new Random(seed);
    List<T> buf = new ArrayList<>();
    return new Iterator<>() {
      boolean filled;

      @Override
      public boolean hasNext() {
        if (!filled) {
          while (buf.size() < bufferSize && in.hasNext()) {
            buf.add(in.next());
          }
          filled = true;
        }
        return !buf.isEmpty();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int k = rng.nextInt(buf.size());
        T out = buf.get(k);
        if (in.hasNext()) {
          buf.set(k, in.next());
        } else {
          buf.set(k, buf.get(buf.size() - 1));
          buf.remove(buf.size() - 1);
        }
        return out;
      }
    };
  }

  /**
   * Weighted mixing: each next row comes from source {@code i} with probability proportional to
   * {@code weights[i]} among the sources not yet exhausted. {@code stopOnFirstExhausted}: stop as soon as
   * any source runs out (keeps the proportions exact); otherwise continue with the others until all are done.
   */
  public static <T> Iterator<T> mix(List<Iterator<T>> sources, double[] weights, long seed, boolean stopOnFirstExhausted) {
    if (sources.size() != weights.length) {
      throw new IllegalArgumentException("mix: " + sources.size() + " sources but " + weights.length + " weights");
    }
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("mix weights must be finite and >= 0, got " + java.util.Arrays.toString(weights));
      }
    }
    Random rng = new Random(seed);
    boolean[] done = new boolean[sources.size()];
    return new Lookahead<>() {
      boolean stopped;

      @Override
      protected T advance() {
        while (!stopped) {
          double total = 0;
          for (int i = 0; i < weights.length; i++) {
            if (!done[i]) {
              total += weights[i];
            }
          }
          if (total <= 0) {
            stopped = true;
            break;
          }
          double u = rng.nextDouble() * total;
          int pick = -1;
          for (int i = 0; i < weights.length; i++) {
            if (done[i] || weights[i] == 0) {
              continue;
            }
            pick = i;
            u -= weights[i];
            if (u < 0) {
              break;
            }
          }
          if (sources.get(pick).hasNext()) {
            return sources.get(pick).next();
          }
          done[pick] = true;
          if (stopOnFirstExhausted) {
            stopped = true;
          }
        }
        return null;
      }
    };
  }

  /**
   * Whether row {@code index} belongs to the eval split: a seeded hash of the index below
   * {@code evalFraction}, so the split is deterministic, needs no memory, and the two sides are disjoint.
   */
  public static boolean isEval(long index, long seed, double evalFraction) {
    long h = index * 0x9E3779B97F4A7C15L + seed;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53 < evalFraction;
  }

  /** The train ({@code eval=false}) or eval side of a stream split by {@link #isEval}. */
  public static <T> Iterator<T> split(Iterator<T> in, long seed, double evalFraction, boolean eval) {
    if (!(evalFraction >= 0 && evalFraction <= 1)) {
      throw new IllegalArgumentException("eval_fraction must be in [0, 1], got " + evalFraction);
    }
    return new Lookahead<>() {
      long index;

      @Override
      protected T advance() {
        while (in.hasNext()) {
          T r = in.next();
          if (isEval(index++, seed, evalFraction) == eval) {
            return r;
          }
        }
        return null;
      }
    };
  }
}
