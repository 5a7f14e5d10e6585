package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.stage.ChatInputs;

/**
 * Samples the assistant turns of many dialogues one turn after another: at turn t every dialogue still going is
 * rendered up to its t-th user turn (with the answers sampled so far) and all of them are continued in one batched,
 * KV-cached {@link Generator#generate} call. A dialogue stops early when its next prompt would not leave
 * {@code maxNewTokens} of the model's context.
 *
 * @param generator the engine's generator
 * @param format the chat format
 * @param tokenizer the model's tokenizer
 * @param sampling temperature, top-p, length and batch size (the stop tokens and seed are set here)
 */
record TurnSampler(Generator generator, ChatFormat format, Tokenizer tokenizer, Generator.Sampling sampling) {

  /**
   * The sampled answers of each dialogue, at most {@code turns} per dialogue (fewer when the user turns or the context
   * run out), and the prompt length in tokens of each sampled turn.
   */
  record Result(List<List<String>> answers, List<List<Integer>> promptTokens) {}

  /**
   * The options every stage that samples rule dialogues turn by turn shares ({@code ghost-attention},
   * {@code adherence}): their {@code Options} records nest it {@link Flat}, so its keys stand directly under the
   * stage's {@code options:} and {@link StageRun#open} reads them in one place.
   */
  record StageOptions(
      @Doc("sequences per generator forward batch") @Default("16") int generationBatch,
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("name of the policy in the outputs (default: the stage id)") String policyName,
      @Doc("use at most this many dialogues (0: all)") @Default("0") int limit) {
    StageOptions {
      if (generationBatch < 1 || limit < 0) {
        throw new IllegalArgumentException("generation_batch must be >= 1 and limit >= 0, got " + generationBatch
            + ", " + limit);
      }
    }
  }

  /**
   * What such a stage samples from: the chat format and tokenizer of its {@code model} input, the rule dialogues of
   * its {@code dialogues} input, each repeated samples_per_prompt times in a row (one cluster in the s.e.), and the
   * sampler at the stage's seed.
   *
   * @param policy the policy name the stage's outputs carry
   */
  record StageRun(ChatInputs chat, String policy, List<RuleDialogue> dialogues, List<RuleDialogue> samples,
      TurnSampler sampler, Models models, long seed) {

    /**
     * Reads the stage's inputs; the engine services come from {@code ctx} (the instances a stage is injected with).
     *
     * @param minTurns the fewest user turns a dialogue may have (an error names the first row with fewer)
     */
    static StageRun open(StageContext ctx, SamplingOptions sampling, StageOptions o, int minTurns) throws IOException {
      ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
      String policy = o.policyName() != null ? o.policyName() : ctx.stageId();
      List<RuleDialogue> dialogues =
          RuleDialogue.read(ctx.service(DatasetStore.class), ctx.input("dialogues"), o.limit(), minTurns);
      List<RuleDialogue> samples = RuleDialogue.repeated(dialogues, sampling.samplesPerPrompt());
      var sampler = new TurnSampler(ctx.service(Generator.class), chat.format(), chat.tokenizer(),
          sampling.sampling(0, null, ctx.seed(), o.generationBatch()));
      return new StageRun(chat, policy, dialogues, samples, sampler, ctx.service(Models.class), ctx.seed());
    }

    /** Loads the model input frozen and samples at most {@code turns} turns of every sample with it. */
    Result sample(int turns, BiFunction<RuleDialogue, List<String>, List<Message>> promptOf) {
      try (LanguageModel model = models.load(chat.modelDir(), Models.LoadOptions.frozen())) {
        return sampler.sample(model, samples, turns, promptOf, seed);
      }
    }
  }

  /**
   * @param promptOf the generation prompt of a dialogue given the answers so far
   * @param seed the sampling seed; turn t samples with a seed mixed from it and t
   */
  Result sample(LanguageModel model, List<RuleDialogue> dialogues, int turns,
      BiFunction<RuleDialogue, List<String>, List<Message>> promptOf, long seed) {
    Set<Integer> stops = ChatInputs.stopTokens(format, tokenizer);
    int context = model.config().maxPositionEmbeddings();
    List<List<String>> answers = new ArrayList<>();
    List<List<Integer>> lengths = new ArrayList<>();
    boolean[] done = new boolean[dialogues.size()];
    for (int i = 0; i < dialogues.size(); i++) {
      answers.add(new ArrayList<>());
      lengths.add(new ArrayList<>());
    }
    for (int t = 0; t < turns; t++) {
      List<int[]> prompts = new ArrayList<>();
      List<Integer> who = new ArrayList<>();
      for (int i = 0; i < dialogues.size(); i++) {
        RuleDialogue d = dialogues.get(i);
        if (done[i] || t >= d.users().size()) {
          continue;
        }
        int[] ids = format.renderPrompt(promptOf.apply(d, answers.get(i)), tokenizer);
        if (ids.length + sampling.maxNewTokens() > context) {
          done[i] = true;
          continue;
        }
        prompts.add(ids);
        who.add(i);
      }
      if (prompts.isEmpty()) {
        break;
      }
      var s = new Generator.Sampling(sampling.maxNewTokens(), sampling.temperature(), sampling.topK(),
          sampling.topP(), stops, RejectionSamplingStage.mix(seed, t), true, sampling.batchSize(), sampling.precision());
      List<Generator.Generation> gens = generator.generate(model, prompts, s);
      for (int j = 0; j < gens.size(); j++) {
        int i = who.get(j);
        answers.get(i).add(RejectionSamplingStage.decode(tokenizer, gens.get(j), stops));
        lengths.get(i).add(prompts.get(j).length);
      }
    }
    return new Result(answers, lengths);
  }
}
