package org.align4j.testkit;

import java.util.Map;
import java.util.SplittableRandom;
import org.align4j.api.loss.LossResult;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Tiny configurations, learnable token rows and a next-token cross-entropy step for tests that train. */
public final class TinyModels {
  private TinyModels() {}

  public static ModelConfig gqa() {
    return ModelConfig.llama(64, 32, 2, 4, 2).withIntermediateSize(48);
  }

  public static int[][] data(int n, int len, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] d = new int[n][len];
    for (int i = 0; i < n; i++) {
      // a learnable pattern: a random start, then +1 mod vocab
      int s = r.nextInt(vocab);
      for (int j = 0; j < len; j++) {
        d[i][j] = (s + j) % vocab;
      }
    }
    return d;
  }

  /** Mean next-token cross-entropy of the given rows. */
  public static LossResult sftLoss(LanguageModel m, int[][] data, int[] idx) {
    int len = data[0].length;
    long[] flat = new long[idx.length * len];
    for (int i = 0; i < idx.length; i++) {
      for (int j = 0; j < len; j++) {
        flat[i * len + j] = data[idx[i]][j];
      }
    }
    Tensor lp = m.tokenLogprobs(ModelInput.causal(Masks.longs(flat, idx.length, len)));
    Tensor loss = lp.mean().neg();
    return new LossResult(loss, Map.of("tokens", (double) idx.length * (len - 1)));
  }

  public static boolean sameBits(Tensor a, Tensor b) {
    return torch.equal(a, b);
  }
}
