package org.align4j.plugins.rlhf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;

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
   * @param promptOf the generation prompt of a dialogue given the answers so far
   * @param seed the sampling seed; turn t samples with a seed mixed from it and t
   */
  Result sample(LanguageModel model, List<RuleDialogue> dialogues, int turns,
      BiFunction<RuleDialogue, List<String>, List<Message>> promptOf, long seed) {
    Set<Integer> stops = new HashSet<>();
    for (int s : format.stopTokens(tokenizer)) {
      stops.add(s);
    }
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
          sampling.topP(), stops, RejectionSamplingStage.mix(seed, t), true, sampling.batchSize());
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
