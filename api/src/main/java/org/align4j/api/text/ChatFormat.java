package org.align4j.api.text;

import java.util.List;

/** Renders conversations to ids with loss masks, exactly as the model family's reference does. */
public interface ChatFormat {
  /** A full conversation (ending with an assistant message) for training. */
  RenderedChat render(List<Message> messages, Tokenizer tokenizer, MaskPolicy policy);

  /** The prompt for generating the next assistant message (the conversation must end with a user/ipython message). */
  int[] renderPrompt(List<Message> messages, Tokenizer tokenizer);

  /** Ids that end an assistant turn (generation stops there). */
  int[] stopTokens(Tokenizer tokenizer);

  /** The rendered text (for display and debugging). */
  String renderText(List<Message> messages, boolean addGenerationPrompt);
}
