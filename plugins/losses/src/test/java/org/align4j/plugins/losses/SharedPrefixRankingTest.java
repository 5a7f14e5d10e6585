package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.align4j.api.NoOptions;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.model.AttentionLayout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Llama 3's reward-model rows: a prompt and its 2-3 ranked responses in one row with a shared-prefix mask
 * give the same scores, and so the same {@code ranking-multi} loss, as one (prompt, response) row each.
 */
class SharedPrefixRankingTest extends TorchTestSupport {
  static final long[][] PROMPTS = {{1, 5, 9, 13}, {2, 7, 3}};
  static final long[][][] RESPONSES = {
    {{20, 21, 22}, {30, 31}, {40, 41, 42, 43}}, // edited > chosen > rejected
    {{50, 51}, {60, 61, 62}}, // chosen > rejected only
  };

  @Test
  void sharedPrefixRowsScoreLikeSeparateRows() {
    ModelConfig config = ModelConfig.llama(64, 32, 2, 4, 2).withIntermediateSize(48).withScoreHeads(1);
    try (PointerScope scope = new PointerScope();
        LanguageModel model = new LocalModels(TorchDevice.cpu(1)).create(config, 7)) {
      int t = 13;
      long[] ids = new long[2 * t];
      int[] promptLengths = new int[2];
      int[][] responseLengths = new int[2][];
      for (int r = 0; r < 2; r++) {
        int at = 0;
        for (long id : PROMPTS[r]) {
          ids[r * t + at++] = id;
        }
        promptLengths[r] = PROMPTS[r].length;
        responseLengths[r] = new int[RESPONSES[r].length];
        for (int j = 0; j < RESPONSES[r].length; j++) {
          for (long id : RESPONSES[r][j]) {
            ids[r * t + at++] = id;
          }
          responseLengths[r][j] = RESPONSES[r][j].length;
        }
      }
      AttentionLayout layout = Masks.sharedPrefix(promptLengths, responseLengths, t);
      long[][] ends = Masks.responseEnds(promptLengths, responseLengths);
      long[][] read = {ends[0], {ends[1][0], ends[1][1], ends[1][1]}}; // row 1 has no third response
      Tensor all = model.scores(ModelInput.of(Masks.longs(ids, 2, t), layout));
      Tensor shared = Masks.gather(all, read);
      double[] valid = {1, 1, 1, 1, 1, 0};

      double[] separate = new double[6];
      for (int r = 0; r < 2; r++) {
        for (int j = 0; j < RESPONSES[r].length; j++) {
          int n = PROMPTS[r].length + RESPONSES[r][j].length;
          long[] row = new long[n];
          System.arraycopy(PROMPTS[r], 0, row, 0, PROMPTS[r].length);
          System.arraycopy(RESPONSES[r][j], 0, row, PROMPTS[r].length, RESPONSES[r][j].length);
          double[] s = Tensors.toDoubles(model.scores(ModelInput.causal(Masks.longs(row, 1, n))));
          separate[r * 3 + j] = s[n - 1];
        }
      }
      double[] sharedScores = Tensors.toDoubles(shared);
      for (int i = 0; i < 6; i++) {
        if (valid[i] != 0) {
          assertEquals(separate[i], sharedScores[i], 1e-5, "score " + i);
        }
      }
      // The check can fail: responses score differently, and a plain causal row (responses seeing each other)
      // gives other scores for all but the first response.
      assertTrue(Math.abs(separate[0] - separate[1]) > 1e-4 && Math.abs(separate[1] - separate[2]) > 1e-4,
          java.util.Arrays.toString(separate));
      double[] causal = Tensors.toDoubles(Masks.gather(model.scores(ModelInput.causal(Masks.longs(ids, 2, t))), read));
      assertTrue(Math.abs(causal[1] - separate[1]) > 1e-4, "a causal row differs: " + causal[1] + " vs " + separate[1]);
      var loss = new MultiRankingLossProvider().create(new NoOptions());
      double fromShared = Tensors.item(loss.compute(new RankingBatch(shared, dbl(valid, 2, 3), null)).loss());
      double fromSeparate = Tensors.item(loss.compute(new RankingBatch(dbl(separate, 2, 3), dbl(valid, 2, 3), null)).loss());
      assertEquals(fromSeparate, fromShared, 1e-5, "ranking-multi loss");
      // and the loss is the hand formula on those scores
      double expected = (nls(separate[0] - separate[1]) + nls(separate[0] - separate[2]) + nls(separate[1] - separate[2])
          + nls(separate[3] - separate[4])) / 4;
      assertEquals(expected, fromSeparate, 1e-6, "pairwise mean");
      // The same batch straight from the ragged response ends.
      RankingBatch ragged = RankingBatch.atPositions(all, ends, null);
      assertAllClose(valid, Tensors.toDoubles(ragged.valid()), 0, "valid");
      assertEquals(fromShared, Tensors.item(loss.compute(ragged).loss()), 1e-7, "atPositions");
    }
  }

  /** The PPO stage's new log-probs must equal the generator's (the engine's tokenLogprobs) for ratio 1 at start. */
  @Test
  void logProbHelpersAgreeWithTheEngine() {
    ModelConfig config = ModelConfig.llama(64, 32, 2, 4, 2).withIntermediateSize(48);
    try (PointerScope scope = new PointerScope();
        LanguageModel model = new LocalModels(TorchDevice.cpu(1)).create(config, 11)) {
      long[] ids = {1, 5, 9, 13, 20, 21, 2, 7, 3, 50, 51, 52};
      ModelInput in = ModelInput.causal(Masks.longs(ids, 2, 6));
      double[] engine = Tensors.toDoubles(model.tokenLogprobs(in));
      double[] ours = Tensors.toDoubles(org.align4j.toolkit.loss.LogProbs.shiftedTokenLogProbs(model.logits(in),
          Masks.longs(ids, 2, 6), null));
      assertAllClose(engine, ours, 1e-5, "token log-probs");
    }
  }
}
