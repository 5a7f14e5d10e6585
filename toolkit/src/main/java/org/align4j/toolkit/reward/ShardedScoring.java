package org.align4j.toolkit.reward;

import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Distributed;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/**
 * A reward over many samples under data parallel: every rank scores its share, in pieces of {@value #CHUNK}
 * samples (piece {@code c} on rank {@code c % worldSize}), and every rank gets every score in sample order. A
 * reward model that batches {@code batch_size} responses per forward pass sees the same batches as in one process
 * whenever its batch size divides {@value #CHUNK} (the default 8 does), so N ranks return one process's scores
 * bitwise; program rewards score row by row and always do.
 */
public final class ShardedScoring {
  /** Samples per piece handed to one rank. */
  public static final int CHUNK = 16;

  private ShardedScoring() {}

  /**
   * The scores of every sample, in order, on every rank.
   *
   * @param ranks the run's process group; {@code null} or a world of 1 scores everything here
   */
  public static List<RewardResult> scoreAll(Distributed ranks, Reward reward, List<List<Message>> prompts,
      List<String> responses, List<Map<String, String>> metadata) throws Exception {
    if (prompts.size() != responses.size() || prompts.size() != metadata.size()) {
      throw new IllegalArgumentException("scoreAll: " + prompts.size() + " prompts, " + responses.size()
          + " responses and " + metadata.size() + " metadata rows; they must be equal");
    }
    Distributed group = ranks == null ? Distributed.single() : ranks;
    if (group.worldSize() == 1) {
      return reward.scoreAll(prompts, responses, metadata);
    }
    return group.mapChunks(prompts.size(), CHUNK,
        (from, to) -> reward.scoreAll(prompts.subList(from, to), responses.subList(from, to), metadata.subList(from, to)));
  }

  /** How many of {@code n} samples rank {@code rank} of {@code worldSize} scores in {@link #scoreAll}. */
  public static int share(int n, int rank, int worldSize) {
    int mine = 0;
    for (int c = rank; c * CHUNK < n; c += worldSize) {
      mine += Math.min(n, (c + 1) * CHUNK) - c * CHUNK;
    }
    return mine;
  }
}
