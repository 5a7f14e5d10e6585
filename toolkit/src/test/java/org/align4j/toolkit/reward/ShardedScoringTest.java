package org.align4j.toolkit.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Distributed;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;
import org.junit.jupiter.api.Test;

class ShardedScoringTest {
  @Test
  void sharesFollowThePiecesRoundRobin() {
    // 40 samples = pieces of 16, 16, 8: rank 0 of 2 scores pieces 0 and 2, rank 1 piece 1
    assertEquals(24, ShardedScoring.share(40, 0, 2));
    assertEquals(16, ShardedScoring.share(40, 1, 2));
    // 3 ranks: one piece each
    assertEquals(16, ShardedScoring.share(40, 0, 3));
    assertEquals(16, ShardedScoring.share(40, 1, 3));
    assertEquals(8, ShardedScoring.share(40, 2, 3));
    assertEquals(0, ShardedScoring.share(10, 1, 2));
  }

  @Test
  void oneProcessScoresEverySampleInOrder() throws Exception {
    Reward length = (prompt, response, meta) -> new RewardResult(response.length(), null);
    List<List<Message>> prompts = List.of(List.of(), List.of(), List.of());
    List<RewardResult> got = ShardedScoring.scoreAll(Distributed.single(), length, prompts, List.of("a", "abc", "ab"),
        List.of(Map.of(), Map.of(), Map.of()));
    assertEquals(List.of(1.0, 3.0, 2.0), got.stream().map(RewardResult::score).toList());
  }

  @Test
  void unequalListsAreRefused() {
    Reward zero = (prompt, response, meta) -> new RewardResult(0, null);
    var e = assertThrows(IllegalArgumentException.class, () -> ShardedScoring.scoreAll(null, zero,
        List.of(List.of()), List.of("a", "b"), List.of(Map.of())));
    assertTrue(e.getMessage().contains("1 prompts, 2 responses"), e.getMessage());
  }
}
