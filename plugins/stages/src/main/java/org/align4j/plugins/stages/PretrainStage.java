package org.align4j.plugins.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainingLoopOptions;
import org.align4j.api.model.AttentionVariant;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.stage.ChatInputs;

/**
 * Next-token pretraining of a Llama from scratch on a text corpus (the embedded tiny default: GQA, a few
 * million parameters). The corpus is a dataset with a {@code text} column or a plain text file (one document
 * per paragraph); documents are wrapped in bos/eos, concatenated and cut into {@code seq_len} rows.
 */
@ProviderInfo(id = "pretrain", description = "next-token pretraining of a Llama from scratch on a text corpus")
@StagePort(input = "corpus", description = "text dataset (column 'text') or a .txt file")
@StagePort(input = "tokenizer",
    description = "tokenizer file or directory (default: defaults.tokenizer)", required = false)
@StagePort(output = "model", description = "Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer)")
public final class PretrainStage implements Stage<PretrainStage.Options> {
  public record Options(
      @Doc("model width d") @Default("128") int hiddenSize,
      @Doc("transformer blocks") @Default("4") int layers,
      @Doc("query heads") @Default("4") int heads,
      @Doc("attention variant: {uses: gqa, ...}, mha, mqa, or a plugin's") @ComponentKind(AttentionVariant.class)
          @Default("{uses: gqa}") ComponentRef attention,
      @Doc("SwiGLU width; 0: about 8d/3") @Default("0") int intermediateSize,
      @Doc("RoPE theta (Llama 2: 10000, Llama 3: 500000)") @Default("500000.0") double ropeTheta,
      @Doc("tie LM head and embeddings") @Default("false") boolean tieEmbeddings,
      @Doc("tokens per training row") @Default("128") int seqLen,
      @Doc("AdamW and its schedule; keys not given keep these defaults")
          @Default("{lr: 3.0e-3, schedule: cosine, warmup_ratio: 0.05, min_lr_ratio: 0.1, weight_decay: 0.1,"
              + " grad_clip: 1.0}") OptimizerOptions optimizer,
      @Doc("batch_size (rows), accumulation, epochs (over the corpus), steps, checkpoint_every, log_every")
          @Default("{batch_size: 16, epochs: 1, checkpoint_every: 50, log_every: 10}") @Flat TrainingLoopOptions loop) {
    public Options {
      if (heads > 0 && hiddenSize % heads != 0) {
        throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be a multiple of heads (" + heads + ")");
      }
      if (hiddenSize < 1 || heads < 1 || layers < 1 || intermediateSize < 0) {
        throw new IllegalArgumentException("hidden_size, heads and layers must be >= 1 and intermediate_size >= 0");
      }
      if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
        throw new IllegalArgumentException("rope_theta must be a finite number > 0, got " + ropeTheta);
      }
      LmTraining.checkSeqLen(seqLen);
    }
  }

  @Inject Models models;
  @Inject Trainer trainer;
  @Inject Components components;

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void run(StageContext ctx, Options o) throws Exception {
    Path tokPath = ctx.tokenizerPath(null);
    Tokenizer tok = ChatInputs.tokenizer(ctx, null);
    List<String> texts = readCorpus(ctx, ctx.input("corpus"));
    List<int[]> docs = new ArrayList<>(tok.encodeBatch(texts, true, true));
    LmRows rows = LmRows.chunks(docs, o.seqLen());
    if (rows.size() < o.loop().batchSize()) {
      throw new org.align4j.api.Align4jException("stage '" + ctx.stageId() + "': the corpus gives only " + rows.size()
          + " rows of " + o.seqLen() + " tokens; lower seq_len or batch_size, or give a larger corpus");
    }
    var bound = components.resolve(AttentionVariant.class, o.attention());
    AttentionVariant variant = bound.provider();
    int kv = variant.keyValueHeads(o.heads(), bound.options());
    // recorded in config.json only when it narrows visibility: plain checkpoints stay loadable without the plugin
    ComponentRef recorded = variant.visibility(bound.options()) == null ? null : o.attention();
    ModelConfig base = ModelConfig.llama(tok.vocabSize(), o.hiddenSize(), o.layers(), o.heads(), kv);
    if (o.intermediateSize() > 0) {
      base = base.withIntermediateSize(o.intermediateSize());
    }
    ModelConfig cfg = new ModelConfig(base.vocabSize(), base.hiddenSize(), base.intermediateSize(), base.numLayers(),
        base.numHeads(), base.numKeyValueHeads(), base.headDim(), 1e-5, o.ropeTheta(), null,
        Math.max(2048, o.seqLen()), o.tieEmbeddings(), tok.bosId(), List.of(tok.eosId()), 0, "float32", recorded);
    try (var model = models.create(cfg, ctx.seed())) {
      org.slf4j.LoggerFactory.getLogger(PretrainStage.class).info(
          "pretrain: {} parameters ({} layers, d={}, {} heads, {} kv heads), {} documents -> {} rows of {} tokens",
          model.parameterCount(), o.layers(), o.hiddenSize(), o.heads(), kv, docs.size(), rows.size(), o.seqLen());
      Trainer.TrainResult r = LmTraining.train(ctx, trainer, model, rows, o.loop().trainerOptions(o.optimizer(),
          ctx.seed()), "pretrain");
      Path out = ctx.output("model");
      models.save(model, out);
      ChatInputs.copyTokenizer(tokPath, out);
      var summary = LmTraining.summary(r, rows);
      summary.put("parameters", model.parameterCount());
      Files.writeString(out.resolve("training_summary.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsString(summary));
    }
  }

  static List<String> readCorpus(StageContext ctx, Path corpus) throws Exception {
    var texts = new ArrayList<String>();
    if (Files.isRegularFile(corpus) && corpus.toString().endsWith(".txt")) {
      for (String para : Files.readString(corpus).split("\\n\\s*\\n")) {
        if (!para.isBlank()) {
          texts.add(para.strip());
        }
      }
      return texts;
    }
    try (RowStream rs = ctx.service(DatasetStore.class).rows(corpus)) {
      long i = 0;
      while (rs.hasNext()) {
        Map<String, Object> row = rs.next();
        Object t = row.get(Schemas.TEXT_COLUMN);
        if (t == null) {
          throw new org.align4j.api.Align4jException(corpus + ": row " + i + ": no '" + Schemas.TEXT_COLUMN
              + "' column (a pretraining corpus needs one text per row)");
        }
        texts.add(t.toString());
        i++;
      }
    }
    return texts;
  }
}
