package org.align4j.plugins.rlhf;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.Rating;
import org.align4j.api.model.AttentionLayout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.plugins.rlhf.RewardModelStage.Layout;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Reward-model forward passes over rendered preference pairs, read at each response's last token (its termination
 * token), in one of two layouts:
 *
 * <ul>
 *   <li>{@link Layout#PAIRS} (Llama 2): one row per (prompt, response);
 *   <li>{@link Layout#SHARED_PREFIX} (Llama 3): one row per prompt, the prompt once and then its 2-3 responses,
 *       each attending to the prompt and itself only ({@link Masks#sharedPrefix}), positions continuing after the
 *       prompt, so each response scores as in its own row, for less compute.
 * </ul>
 * Results are tensors in the caller's {@link org.bytedeco.javacpp.PointerScope}.
 */
final class RewardScoring {
  private RewardScoring() {}

  /** A ranking batch and how many (non-padding) tokens its forward pass read. */
  record Scored(RankingBatch batch, long tokens) {}

  /** Scores every response of every pair (best first); gradients flow unless a NoGradGuard is active. */
  static Scored score(LanguageModel model, List<Preferences.Encoded> batch, Layout layout, boolean withRatings) {
    List<Rating> ratings = null;
    if (withRatings) {
      ratings = new ArrayList<>();
      for (Preferences.Encoded e : batch) {
        ratings.add(e.pair().rating());
      }
    }
    return layout == Layout.PAIRS ? pairs(model, batch, ratings) : shared(model, batch, ratings);
  }

  private static Scored pairs(LanguageModel model, List<Preferences.Encoded> batch, List<Rating> ratings) {
    List<int[]> rows = new ArrayList<>();
    long[][] positions = new long[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      Preferences.Encoded e = batch.get(b);
      positions[b] = new long[e.responses().length];
      for (int j = 0; j < e.responses().length; j++) {
        positions[b][j] = rows.size();
        rows.add(e.sequence(j));
      }
    }
    int t = 0;
    long tokens = 0;
    for (int[] r : rows) {
      t = Math.max(t, r.length);
      tokens += r.length;
    }
    long[] ids = new long[rows.size() * t];
    long[] last = new long[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      int[] r = rows.get(i);
      for (int j = 0; j < r.length; j++) {
        ids[i * t + j] = r[j];
      }
      last[i] = r.length - 1;
    }
    var device = model.device();
    Tensor idsT = Masks.longs(ids, rows.size(), t).to(device, torch.ScalarType.Long);
    // right padding: a causal mask keeps real tokens from seeing it
    Tensor all = model.scores(ModelInput.causal(idsT));
    Tensor lastIdx = Masks.longs(last, rows.size(), 1).to(device, torch.ScalarType.Long);
    Tensor perRow = all.gather(1, lastIdx).view(1, rows.size()).expand(batch.size(), rows.size());
    return new Scored(RankingBatch.atPositions(perRow, positions, ratings), tokens);
  }

  private static Scored shared(LanguageModel model, List<Preferences.Encoded> batch, List<Rating> ratings) {
    int n = batch.size();
    int t = 0;
    long tokens = 0;
    int[] promptLengths = new int[n];
    int[][] responseLengths = new int[n][];
    for (int b = 0; b < n; b++) {
      Preferences.Encoded e = batch.get(b);
      t = Math.max(t, e.sharedLength());
      tokens += e.sharedLength();
      promptLengths[b] = e.prompt().length;
      responseLengths[b] = new int[e.responses().length];
      for (int j = 0; j < e.responses().length; j++) {
        responseLengths[b][j] = e.responses()[j].length;
      }
    }
    long[] ids = new long[n * t];
    for (int b = 0; b < n; b++) {
      Preferences.Encoded e = batch.get(b);
      int at = 0;
      for (int id : e.prompt()) {
        ids[b * t + at++] = id;
      }
      for (int[] r : e.responses()) {
        for (int id : r) {
          ids[b * t + at++] = id;
        }
      }
    }
    var device = model.device();
    AttentionLayout layout = Masks.sharedPrefix(promptLengths, responseLengths, t);
    ModelInput in = new ModelInput(Masks.longs(ids, n, t).to(device, torch.ScalarType.Long),
        layout.positionIds().to(device, torch.ScalarType.Long), layout.attentionMask().to(device, torch.ScalarType.Bool));
    Tensor all = model.scores(in);
    return new Scored(RankingBatch.atPositions(all, Masks.responseEnds(promptLengths, responseLengths), ratings), tokens);
  }
}
