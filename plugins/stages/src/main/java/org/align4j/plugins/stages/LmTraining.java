package org.align4j.plugins.stages;

import java.util.LinkedHashMap;
import java.util.Map;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.loss.LossResult;
import org.align4j.api.metrics.Progress;
import org.align4j.api.model.AttentionLayout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.api.stage.StageContext;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Next-token training over {@link LmRows} with the engine's trainer (pretraining and SFT share it). */
final class LmTraining {
  private LmTraining() {}

  /** Trains {@code model} in place; checkpoints in the stage's work directory so a killed run resumes. */
  static Trainer.TrainResult train(StageContext ctx, Trainer trainer, LanguageModel model, LmRows rows,
      TrainerOptions options, String what) {
    long steps = options.maxSteps() > 0 ? options.maxSteps()
        : (long) options.epochs() * Math.max(1, (rows.size() + options.batchSize() * options.accumulation() - 1)
            / ((long) options.batchSize() * options.accumulation()));
    var device = model.device();
    Trainer.StepFunction step = s -> {
      int b = s.indices().length;
      int t = rows.seqLen;
      long[] ids = new long[b * t];
      float[] mask = new float[b * t];
      int[][] seg = rows.hasSegments() ? new int[b][] : null;
      for (int i = 0; i < b; i++) {
        int[] r = rows.ids.get(s.indices()[i]);
        byte[] m = rows.mask.get(s.indices()[i]);
        for (int j = 0; j < t; j++) {
          ids[i * t + j] = r[j];
          mask[i * t + j] = m[j];
        }
        if (seg != null) {
          seg[i] = rows.segments.get(s.indices()[i]);
        }
      }
      Tensor idsT = Masks.longs(ids, b, t).to(device, torch.ScalarType.Long);
      Tensor maskT = torch.tensor(mask).reshape(b, t).to(device, torch.ScalarType.Float);
      ModelInput in;
      if (seg != null) {
        AttentionLayout layout = Masks.packed(seg);
        in = new ModelInput(idsT, layout.positionIds().to(device, torch.ScalarType.Long),
            layout.attentionMask().to(device, torch.ScalarType.Bool));
      } else {
        in = ModelInput.causal(idsT);
      }
      Tensor logits = model.logits(in);
      Tensor lp = LogProbs.shiftedTokenLogProbs(logits, idsT, maskT);
      Tensor count = LogProbs.shiftMask(maskT).sum().clamp_min(new Scalar(1.0));
      Tensor loss = lp.sum().neg().div(count);
      var diag = new LinkedHashMap<String, Double>();
      diag.put("tokens", (double) (b * t));
      diag.put("loss_tokens", count.item_double());
      return new LossResult(loss, diag);
    };
    try (Progress p = ctx.progress(what, steps, "steps")) {
      var job = new Trainer.Job(model.parameters(), rows.size(), step, options, ctx.workDir().resolve("checkpoints"),
          ctx.metrics(), p, null);
      return trainer.train(job);
    }
  }

  /** The longest row a stage accepts at validation (the model's max_position_embeddings is checked at stage start). */
  static final int MAX_SEQ_LEN = 131_072;

  /**
   * The valid range of seq_len, checked in the options records of pretrain and sft (their loop and optimizer blocks
   * check their own).
   */
  static void checkSeqLen(int seqLen) {
    if (seqLen < 8 || seqLen > MAX_SEQ_LEN) {
      throw new IllegalArgumentException("seq_len must be in [8, " + MAX_SEQ_LEN + "], got " + seqLen);
    }
  }

  /** Refuses rows longer than the model's positions (RoPE tables and masks are sized by it). */
  static void checkSeqLen(int seqLen, org.align4j.api.model.ModelConfig config, java.nio.file.Path modelDir) {
    if (seqLen > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("seq_len " + seqLen + " is longer than the model's max_position_embeddings "
          + config.maxPositionEmbeddings() + " (" + modelDir.resolve("config.json") + "); lower seq_len");
    }
  }

  static Map<String, Object> summary(Trainer.TrainResult r, LmRows rows) {
    var m = new LinkedHashMap<String, Object>();
    m.put("steps", r.steps());
    m.put("resumed_from", r.resumedFrom());
    m.put("rows", rows.size());
    m.put("documents", rows.documents);
    m.put("truncated", rows.truncated);
    m.put("loss_tokens", rows.lossTokens);
    if (!r.losses().isEmpty()) {
      m.put("final_loss", r.losses().get(r.losses().size() - 1));
    }
    return m;
  }
}
