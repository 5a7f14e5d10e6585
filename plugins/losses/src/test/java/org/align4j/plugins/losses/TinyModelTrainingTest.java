package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PreferenceBatch;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.SequenceLogProbs;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * DPO end to end on a tiny Llama: log-probs from {@link LogProbs}, a frozen reference copy, plain SGD. At
 * the start policy = reference, so the loss is exactly ln 2; training must raise the implicit reward margin
 * and rank every chosen response above its rejected one, while the reference stays put.
 */
class TinyModelTrainingTest extends TorchTestSupport {
  @Test
  void dpoStepsRaiseTheMarginOnATinyLlama() {
    ModelConfig config = ModelConfig.llama(32, 32, 2, 4, 2).withIntermediateSize(48);
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    // 4 pairs: prompt (3 tokens) + response (3 tokens); chosen rows first, then rejected rows.
    long[] ids = {
      1, 4, 5, 10, 11, 12, 1, 6, 7, 13, 14, 15, 1, 8, 9, 16, 17, 18, 1, 4, 9, 19, 20, 21,
      1, 4, 5, 22, 23, 24, 1, 6, 7, 25, 26, 27, 1, 8, 9, 28, 29, 30, 1, 4, 9, 31, 2, 3};
    long[] mask = new long[48];
    for (int r = 0; r < 8; r++) {
      for (int j = 3; j < 6; j++) {
        mask[r * 6 + j] = 1;
      }
    }
    PreferenceLoss dpo = new DpoLossProvider().create(new DpoOptions(0.1, 0.0, 0.0));
    try (LanguageModel policy = models.create(config, 3);
        LanguageModel reference = models.copy(policy, false)) {
      Tensor idsT = Masks.longs(ids, 8, 6);
      Tensor maskT = Masks.longs(mask, 8, 6);
      Tensor refSums;
      double refBefore;
      try (NoGradGuard g = new NoGradGuard()) {
        refSums = LogProbs.sequence(reference.logits(ModelInput.causal(idsT)), idsT, maskT).sum();
        refBefore = Tensors.toDoubles(refSums)[0];
      }
      double first = Double.NaN;
      LossResult last = null;
      for (int step = 0; step < 30; step++) {
        try (PointerScope scope = new PointerScope()) {
          SequenceLogProbs lp = LogProbs.sequence(policy.logits(ModelInput.causal(idsT)), idsT, maskT);
          LossResult r = dpo.compute(PreferenceBatch.concatenated(lp, refSums));
          if (step == 0) {
            first = r.diagnostic("loss");
            assertEquals(Math.log(2), first, 1e-6, "policy = reference: -log sigmoid(0)");
            assertEquals(0.0, r.diagnostic("margin"), 1e-6);
          }
          r.loss().backward();
          try (NoGradGuard g = new NoGradGuard()) {
            for (Tensor p : policy.parameters().values()) {
              p.sub_(p.grad(), new Scalar(0.5));
              p.grad().zero_();
            }
          }
          last = r;
        }
      }
      assertTrue(last.diagnostic("loss") < first - 0.05, "loss fell: " + first + " -> " + last.diagnostic("loss"));
      assertTrue(last.diagnostic("margin") > 0.1, "margin grew: " + last.diagnostics());
      assertEquals(1.0, last.diagnostic("accuracy"), 0.0, "every pair ranked right: " + last.diagnostics());
      try (NoGradGuard g = new NoGradGuard()) {
        double after = Tensors.toDoubles(
            LogProbs.sequence(reference.logits(ModelInput.causal(idsT)), idsT, maskT).sum())[0];
        assertEquals(refBefore, after, 0.0, "the reference does not move");
      }
    }
  }
}
