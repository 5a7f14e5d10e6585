package org.align4j.plugins.stages;

import org.align4j.api.data.Schemas;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainingLoopOptions;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.RenderedChat;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.stage.Ports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning as Llama 2 describes it: conversations rendered with the chat format, packed into
 * full rows with segment ids (no attention across conversations, positions restart), loss only on the
 * assistant's tokens, AdamW with cosine schedule and weight decay 0.1. Also Ghost Attention's fine-tuning
 * ({@code mask: last_assistant}) and rejection-sampling fine-tuning (the data is the best samples).
 */
@ProviderInfo(id = "sft",
    description = "supervised fine-tuning on conversations: packed rows, loss on assistant tokens, cosine, weight decay")
@StagePort(output = "model", description = "the fine-tuned checkpoint directory")
public final class SftStage implements Stage<SftStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(SftStage.class);

  public record Options(
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("with the mix input: conversations drawn from it per conversation of data (Llama 3 fine-tunes on"
          + " rejection-sampled data mixed with the task data); a seeded sample without replacement, capped by what"
          + " mix holds") @Default("1.0") double mixRatio,
      @Doc("which tokens train: assistant, assistant_content, last_assistant (GAtt), all") @Default("assistant")
          MaskPolicy mask,
      @Doc("tokens per packed row") @Default("256") int seqLen,
      @Doc("pack several conversations per row (segment ids keep them apart)") @Default("true") boolean packing,
      @Doc("AdamW and its schedule (Llama 2: lr 2e-5 at 7B+, cosine, weight decay 0.1; tiny models need a larger lr);"
          + " keys not given keep these defaults")
          @Default("{lr: 2.0e-5, schedule: cosine, warmup_ratio: 0.03, min_lr_ratio: 0.0, weight_decay: 0.1,"
              + " grad_clip: 1.0}") OptimizerOptions optimizer,
      @Doc("batch_size (rows), accumulation, epochs, steps, checkpoint_every, log_every")
          @Default("{batch_size: 8, epochs: 2}") @Flat TrainingLoopOptions loop,
      @Doc("use at most this many conversations (0: all)") @Default("0") int limit) {
    public Options {
      LmTraining.checkSeqLen(seqLen);
      if (packing && loop != null) {
        // packed rows train with a dense [batch, 1, seq_len, seq_len] mask: refused here when it cannot be built
        org.align4j.toolkit.model.Masks.denseEntries(loop.batchSize(), seqLen);
      }
      if (!(mixRatio >= 0) || Double.isInfinite(mixRatio)) {
        throw new IllegalArgumentException("mix_ratio must be a finite number >= 0, got " + mixRatio);
      }
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0 (0: all), got " + limit);
      }
    }
  }

  private static final long MIX_SEED = 0x6D69785FL; // "mix_": the mix sample differs from the packing shuffle

  @Inject Models models;
  @Inject Trainer trainer;

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("model", "checkpoint directory to start from"),
        Port.required("data", "conversations dataset (messages ending with the assistant's answer)")
            .withSchema(Schemas.MESSAGES_ONLY),
        Port.optional("mix", "conversations mixed into data (mix_ratio per data conversation), e.g. the task SFT"
            + " data beside rejection-sampled answers").withSchema(Schemas.MESSAGES_ONLY),
        Ports.TOKENIZER);
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    var data = StageSupport.InputRows.read(ctx, ctx.input("data"), o.limit());
    Ports.requireRows(ctx, "data", data.file(), data.size(), "conversations");
    var ids = new ArrayList<int[]>(data.size());
    var masks = new ArrayList<byte[]>(data.size());
    for (int i = 0; i < data.size(); i++) {
      RenderedChat r = chat.render(data.conversation(i), o.mask());
      ids.add(r.ids());
      masks.add(r.lossMask());
    }
    var mixPath = ctx.optionalInput("mix");
    if (mixPath.isPresent()) {
      var mix = StageSupport.InputRows.read(ctx, mixPath.get(), 0);
      int want = (int) Math.min(mix.size(), Math.round(o.mixRatio() * data.size()));
      int[] order = org.align4j.toolkit.data.Permutations.shuffled(mix.size(), new java.util.Random(ctx.seed() ^ MIX_SEED));
      for (int k = 0; k < want; k++) {
        int i = order[k];
        RenderedChat r = chat.render(mix.conversation(i), o.mask());
        ids.add(r.ids());
        masks.add(r.lossMask());
      }
      LOG.info("sft: {} conversations of data + {} of {} drawn from mix (mix_ratio {})", data.size(), want,
          mix.size(), o.mixRatio());
    }
    int pad = chat.tokenizer().eosId();
    LmRows rows = LmRows.packed(ids, masks, o.seqLen(), pad, ctx.seed(), o.packing());
    LOG.info("sft: {} conversations -> {} rows of {} tokens ({} truncated), {} loss tokens", data.size(), rows.size(),
        o.seqLen(), rows.truncated, rows.lossTokens);
    try (var model = models.load(chat.modelDir())) {
      LmTraining.checkSeqLen(o.seqLen(), model.config(), chat.modelDir());
      chat.checkVocab(model.config());
      Trainer.TrainResult r = LmTraining.train(ctx, trainer, model, rows, o.loop().trainerOptions(o.optimizer(),
          ctx.seed()), "sft");
      Path out = ctx.output("model");
      models.save(model, out);
      ChatInputs.copyTokenizer(chat.tokenizerPath(), out);
      Files.writeString(out.resolve("training_summary.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsString(LmTraining.summary(r, rows)));
    }
  }
}
