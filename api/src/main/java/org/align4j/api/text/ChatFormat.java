package org.align4j.api.text;

import java.util.List;

/**
 * Renders conversations to ids with loss masks, exactly as the model family's reference does ({@code llama2}: Meta's
 * {@code chat_completion}; {@code llama3}: the Llama 3.0 chat template, {@code <|eom_id|>} for tool calls as in 3.1).
 * Message contents are encoded as text: special-token strings inside a message never become special ids.
 *
 * <p>{@code renderPrompt(m)} is a prefix of {@code render(m + [assistant answer], ...).ids()}, so a prompt + response
 * row can be cut at the prompt's length; the tokens after it are the answer and its termination token.
 */
public interface ChatFormat {
  /** A full conversation (normally ending with an assistant message) for training, with the policy's loss mask. */
  RenderedChat render(List<Message> messages, Tokenizer tokenizer, MaskPolicy policy);

  /** The prompt for generating the next assistant message (the conversation must end with a user/ipython message). */
  int[] renderPrompt(List<Message> messages, Tokenizer tokenizer);

  /** Ids that end an assistant turn (generation stops there). */
  int[] stopTokens(Tokenizer tokenizer);

  /** The rendered text (for display and debugging). */
  String renderText(List<Message> messages, boolean addGenerationPrompt);
}
