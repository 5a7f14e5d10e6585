package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.align4j.api.engine.Distributed;
import org.junit.jupiter.api.Test;

/**
 * {@link Distributed#mapChunks}: N ranks (threads here, with an in-memory all-gather) each compute their pieces and
 * all return every result in item order, as one process does; each piece is computed on exactly one rank.
 */
class MapChunksTest {
  /** Ranks of one JVM: an all-gather through a shared array and a barrier. */
  static final class ThreadRanks {
    final int world;
    final Object[] slots;
    final CyclicBarrier barrier;

    ThreadRanks(int world) {
      this.world = world;
      this.slots = new Object[world];
      this.barrier = new CyclicBarrier(world);
    }

    Distributed rank(int r) {
      return new Distributed() {
        @Override
        public int rank() {
          return r;
        }

        @Override
        public int worldSize() {
          return world;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends Serializable> List<T> allGather(T value) {
          try {
            slots[r] = value;
            barrier.await(30, TimeUnit.SECONDS);
            var out = new ArrayList<T>();
            for (Object o : slots) {
              out.add((T) o);
            }
            barrier.await(30, TimeUnit.SECONDS); // every rank has read before the next gather writes
            return out;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      };
    }
  }

  @Test
  void ranksReturnWhatOneProcessReturnsComputingEachPieceOnce() throws Exception {
    int n = 23; // 6 pieces of 4 (the last 3 items) over 3 ranks: two rounds
    List<String> one = Distributed.single().mapChunks(n, 4, (from, to) -> items(from, to));
    assertEquals(items(0, n), one);
    int world = 3;
    ThreadRanks ranks = new ThreadRanks(world);
    ExecutorService pool = Executors.newFixedThreadPool(world);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      List<List<Integer>> computed = new ArrayList<>();
      for (int r = 0; r < world; r++) {
        Distributed d = ranks.rank(r);
        List<Integer> mine = new java.util.concurrent.CopyOnWriteArrayList<>();
        computed.add(mine);
        results.add(pool.submit(() -> d.mapChunks(n, 4, (from, to) -> {
          mine.add(from);
          return items(from, to);
        })));
      }
      for (int r = 0; r < world; r++) {
        assertEquals(one, results.get(r).get(60, TimeUnit.SECONDS), "rank " + r);
      }
      // piece c (items 4c..) on rank c % 3
      assertEquals(List.of(0, 12), computed.get(0));
      assertEquals(List.of(4, 16), computed.get(1));
      assertEquals(List.of(8, 20), computed.get(2));
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> items(int from, int to) {
    var out = new ArrayList<String>();
    for (int i = from; i < to; i++) {
      out.add("item-" + i);
    }
    return out;
  }
}
