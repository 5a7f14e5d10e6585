package org.align4j.api.reward;

import java.util.List;
import java.util.Map;
import org.align4j.api.text.Message;

/** Scores (prompt, response): a trained reward model, a combination of them, or a program. */
public interface Reward {
  /**
   * @param prompt the conversation so far (ends with the user message)
   * @param response the assistant's answer
   * @param metadata row fields a program may need (task kind, reference answer, tags)
   */
  RewardResult score(List<Message> prompt, String response, Map<String, String> metadata);

  /** Scores many; implementations backed by a model override it to batch. */
  default List<RewardResult> scoreAll(List<List<Message>> prompts, List<String> responses, List<Map<String, String>> metadata) {
    var out = new java.util.ArrayList<RewardResult>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      out.add(score(prompts.get(i), responses.get(i), metadata.get(i)));
    }
    return out;
  }
}
