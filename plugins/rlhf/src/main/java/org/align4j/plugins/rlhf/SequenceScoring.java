package org.align4j.plugins.rlhf;

import java.util.List;
import org.align4j.api.loss.SequenceLogProbs;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Sequence log-probabilities of chosen and rejected responses for DPO: summed over the response's loss mask (the
 * chat format's, e.g. {@code ASSISTANT_CONTENT} for Llama 3's rule that header and termination tokens do not count),
 * never over the prompt.
 */
final class SequenceScoring {
  private SequenceScoring() {}

  /** Which response of a pair is chosen (index 0: edited when the stage prefers it) and which rejected (the last). */
  static int chosen(Preferences.Encoded e) {
    return 0;
  }

  static int rejected(Preferences.Encoded e) {
    return e.responses().length - 1;
  }

  /**
   * One forward pass over {@code 2B} rows, chosen responses first then rejected, right-padded (a causal mask keeps
   * real tokens from seeing the padding). With gradient unless a NoGradGuard is active.
   */
  static SequenceLogProbs logProbs(LanguageModel model, List<Preferences.Encoded> batch) {
    int n = batch.size();
    int t = 0;
    for (Preferences.Encoded e : batch) {
      t = Math.max(t, Math.max(e.prompt().length + e.responses()[chosen(e)].length,
          e.prompt().length + e.responses()[rejected(e)].length));
    }
    long[] ids = new long[2 * n * t];
    float[] mask = new float[2 * n * t];
    for (int b = 0; b < n; b++) {
      Preferences.Encoded e = batch.get(b);
      fill(ids, mask, b * t, e.sequence(chosen(e)), e.sequenceMask(chosen(e)));
      fill(ids, mask, (n + b) * t, e.sequence(rejected(e)), e.sequenceMask(rejected(e)));
    }
    var device = model.device();
    Tensor idsT = Masks.longs(ids, 2L * n, t).to(device, torch.ScalarType.Long);
    Tensor maskT = Tensor.create(mask, 2L * n, t).to(device, torch.ScalarType.Float);
    Tensor logits = model.logits(ModelInput.causal(idsT));
    return LogProbs.sequence(logits, idsT, maskT);
  }

  private static void fill(long[] ids, float[] mask, int at, int[] seq, byte[] m) {
    for (int i = 0; i < seq.length; i++) {
      ids[at + i] = seq[i];
      mask[at + i] = m[i];
    }
  }

  /**
   * The summed log-probs {chosen, rejected} of one pair from a forward pass over that pair alone, without gradient.
   * The reference model is always scored this way (cached or on the fly), so both give bitwise the same numbers.
   */
  static double[] pair(LanguageModel model, Preferences.Encoded e) {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      return Tensors.toDoubles(logProbs(model, List.of(e)).sum());
    }
  }

  /** Summed log-probs and token counts of many pairs, in batches, without gradient: {c, r, countC, countR} per pair. */
  static double[][] pairs(LanguageModel model, List<Preferences.Encoded> all, int batchSize) {
    double[][] out = new double[all.size()][];
    for (int from = 0; from < all.size(); from += batchSize) {
      List<Preferences.Encoded> batch = all.subList(from, Math.min(all.size(), from + batchSize));
      try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        SequenceLogProbs lp = logProbs(model, batch);
        double[] sum = Tensors.toDoubles(lp.sum());
        double[] count = Tensors.toDoubles(lp.count());
        int n = batch.size();
        for (int b = 0; b < n; b++) {
          out[from + b] = new double[] {sum[b], sum[n + b], count[b], count[n + b]};
        }
      }
    }
    return out;
  }
}
