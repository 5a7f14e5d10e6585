package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.engine.Models;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.Tokenizers;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained reward model as a {@link Reward}: renders (prompt, response) with the chat format the model was trained
 * with and returns the scalar head's raw score r at the response's last token (its termination token), as the
 * {@code reward-model} stage trained it. Llama 2's probability is {@code sigmoid(r)} ({@code llama2-piecewise} with
 * {@code scores: logits} takes r as it is).
 */
@ProviderInfo(id = "reward-model",
    description = "scores (prompt, response) with a trained reward model checkpoint (raw scalar-head score)")
public final class RewardModelRewardProvider implements RewardProvider<RewardModelRewardProvider.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(RewardModelRewardProvider.class);

  public record Options(
      @Doc("reward model checkpoint directory (the reward-model stage's model output)") String model,
      @Doc("chat format id (default: the one recorded beside the model, else llama3)") String chatFormat,
      @Doc("tokenizer file or directory (default: the one beside the model)") String tokenizer,
      @Doc("responses scored per forward pass") @Default("8") int batchSize,
      @Doc("longer inputs keep their last max_len tokens (the score is read at the end)") @Default("1024") int maxLen,
      @Doc("label of every result (reports group by it)") @Default("reward-model") String label) {
    public Options {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("model is required: the reward model checkpoint directory, e.g."
            + " ${stages.rm.outputs.model}");
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
      }
      if (maxLen < 2) {
        throw new IllegalArgumentException("max_len must be >= 2, got " + maxLen);
      }
    }
  }

  @Inject Models models;
  @Inject Tokenizers tokenizers;
  @Inject ChatFormats chatFormats;

  @Override
  public Reward create(Options o) {
    Path dir = Path.of(o.model());
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new Align4jException(dir + ": not a model directory (no config.json); give the reward-model stage's"
          + " model output");
    }
    ModelConfig cfg = models.readConfig(dir);
    if (cfg.scoreHeads() < 1) {
      throw new Align4jException(dir + ": the model has no scalar head (num_labels / score.weight); train one with"
          + " the reward-model stage");
    }
    String formatId = o.chatFormat();
    Path meta = dir.resolve(StageFiles.REWARD_META);
    double offset = 0;
    if (Files.isRegularFile(meta)) {
      Map<String, Object> m = StageFiles.readJson(meta);
      if (formatId == null && m.get("chat_format") != null) {
        formatId = String.valueOf(m.get("chat_format"));
      }
      if (m.get(RewardModelStage.SCORE_OFFSET) instanceof Number n) {
        offset = n.doubleValue();
      }
    }
    if (formatId == null) {
      formatId = RecipeDefaults.CHAT_FORMAT;
    }
    Path tokPath = o.tokenizer() != null ? Path.of(o.tokenizer()) : dir;
    if (o.tokenizer() == null && !StageFiles.hasTokenizer(dir)) {
      throw new Align4jException(dir + ": no tokenizer files beside the reward model; give the option tokenizer");
    }
    Tokenizer tok = tokenizers.load(tokPath);
    ChatFormat format = chatFormats.get(formatId);
    LanguageModel model = models.load(dir, Models.LoadOptions.frozen());
    return new ModelReward(model, tok, format, o, offset);
  }

  /** The loaded reward model. Not thread-safe (one forward pass at a time). */
  static final class ModelReward implements Reward, AutoCloseable {
    private final LanguageModel model;
    private final Tokenizer tok;
    private final ChatFormat format;
    private final Options o;
    private final double offset;
    private boolean warned;

    /** @param offset subtracted from every raw score (the stage's score_offset: the training responses' mean) */
    ModelReward(LanguageModel model, Tokenizer tok, ChatFormat format, Options o, double offset) {
      this.model = model;
      this.tok = tok;
      this.format = format;
      this.o = o;
      this.offset = offset;
    }

    @Override
    public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
      return scoreAll(List.of(prompt), List.of(response), List.of(metadata == null ? Map.of() : metadata)).get(0);
    }

    @Override
    public synchronized List<RewardResult> scoreAll(List<List<Message>> prompts, List<String> responses,
        List<Map<String, String>> metadata) {
      if (prompts.size() != responses.size()) {
        throw new IllegalArgumentException(prompts.size() + " prompts for " + responses.size() + " responses");
      }
      List<int[]> rows = new ArrayList<>(prompts.size());
      for (int i = 0; i < prompts.size(); i++) {
        List<Message> conv = new ArrayList<>(prompts.get(i));
        conv.add(Message.assistant(responses.get(i)));
        int[] ids = format.render(conv, tok, MaskPolicy.ASSISTANT).ids();
        if (ids.length > o.maxLen()) {
          if (!warned) {
            LOG.warn("reward-model: an input of {} tokens keeps its last {} (max_len)", ids.length, o.maxLen());
            warned = true;
          }
          ids = Arrays.copyOfRange(ids, ids.length - o.maxLen(), ids.length);
        }
        rows.add(ids);
      }
      List<RewardResult> out = new ArrayList<>(rows.size());
      for (int from = 0; from < rows.size(); from += o.batchSize()) {
        for (double s : scoreRows(model, rows.subList(from, Math.min(rows.size(), from + o.batchSize())))) {
          out.add(new RewardResult(s - offset, o.label()));
        }
      }
      return out;
    }

    @Override
    public void close() {
      model.close();
    }
  }

  /** Scores at each row's last token (rows right-padded, causal), without gradient. */
  static double[] scoreRows(LanguageModel model, List<int[]> rows) {
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      return Tensors.toDoubles(RewardScoring.lastTokenScores(model, rows));
    }
  }
}
