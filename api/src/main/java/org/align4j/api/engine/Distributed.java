package org.align4j.api.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Engine service: the ranks of a run started as several processes ({@code align4j run --nproc-per-node N}, or
 * torchrun-style {@code RANK}/{@code WORLD_SIZE}/{@code MASTER_ADDR}/{@code MASTER_PORT} from any launcher). Every
 * rank runs every stage; the runner publishes rank 0's outputs and discards the others', so a stage that ignores
 * this service is correct (each rank computes the same thing) and a stage that uses it splits its work. Training
 * stages need nothing: the {@link Trainer} shards every global batch and all-reduces the gradients itself.
 *
 * <p>One process is {@link #single()}: rank 0 of 1, where every collective returns at once.
 */
public interface Distributed {
  int rank();

  int worldSize();

  /** Rank 0 owns the run directory, the outputs, metrics and checkpoints. */
  default boolean isMain() {
    return rank() == 0;
  }

  /**
   * Every rank's value, in rank order, on every rank. A collective: every rank must call it, in the same order
   * as its other collectives.
   */
  <T extends Serializable> List<T> allGather(T value);

  /** Blocks until every rank arrives. */
  default void barrier() {
    allGather(Boolean.TRUE);
  }

  /**
   * Computes {@code chunks} independent pieces of work split across the ranks (chunk {@code c} on rank
   * {@code c % worldSize}) and hands every piece, in chunk order, to {@code consume} on every rank; so the
   * consumer sees what one process computing all the chunks in order would see. Results travel in rounds of
   * {@code worldSize} chunks, so memory holds one round, not the whole result. On one process it is a plain loop.
   */
  default <T extends Serializable> void forEachChunk(int chunks, IntFunction<T> compute, ChunkConsumer<T> consume)
      throws Exception {
    int world = worldSize();
    for (int round = 0; round * world < chunks; round++) {
      if (world == 1) {
        consume.accept(round, compute.apply(round));
        continue;
      }
      int mine = round * world + rank();
      List<T> got = allGather(mine < chunks ? compute.apply(mine) : null);
      for (int r = 0; r < world && round * world + r < chunks; r++) {
        consume.accept(round * world + r, got.get(r));
      }
    }
  }

  /**
   * The results of {@code compute} over the items {@code [0, n)}, cut into pieces of {@code chunk} items
   * ({@code compute.apply(from, to)} returns the results of items {@code from..to-1}, in order), the pieces split
   * across the ranks as {@link #forEachChunk} splits them and concatenated in item order on every rank. On one process
   * it computes the same pieces in turn, so when an item's result depends on the item and on the cut alone (seeds
   * derived from positions, batches aligned to the pieces) N ranks return exactly what one process returns.
   */
  default <T extends Serializable> List<T> mapChunks(int n, int chunk, RangeFunction<T> compute) throws Exception {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
    }
    List<T> out = new ArrayList<>(n);
    this.<ArrayList<T>>forEachChunk((n + chunk - 1) / chunk,
        c -> new ArrayList<>(compute.apply(c * chunk, Math.min(n, (c + 1) * chunk))), (c, got) -> out.addAll(got));
    return out;
  }

  /** One piece of {@link #mapChunks}: the results of items {@code from..to-1}. */
  @FunctionalInterface
  interface RangeFunction<T> {
    List<T> apply(int from, int to);
  }

  /** Receives one chunk's result of {@link #forEachChunk}. */
  @FunctionalInterface
  interface ChunkConsumer<T> {
    void accept(int chunk, T result) throws Exception;
  }

  /** One process: rank 0 of 1. */
  static Distributed single() {
    return Single.INSTANCE;
  }

  /** The one-process implementation of {@link #single()}. */
  final class Single implements Distributed {
    static final Single INSTANCE = new Single();

    private Single() {}

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int worldSize() {
      return 1;
    }

    @Override
    public <T extends Serializable> List<T> allGather(T value) {
      var l = new ArrayList<T>(1);
      l.add(value);
      return l;
    }
  }
}
