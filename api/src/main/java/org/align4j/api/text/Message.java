package org.align4j.api.text;

import java.util.Objects;

/**
 * One chat message. Roles: {@code system}, {@code user}, {@code assistant}, {@code ipython} (tool output).
 *
 * @param role who speaks
 * @param content the text (chat formats trim it, as the reference templates do)
 * @param expectsToolResult only for assistant messages in the Llama 3 format: the turn calls a tool, starts with
 *     {@code <|python_tag|>} and ends with {@code <|eom_id|>} instead of {@code <|eot_id|>} (Llama 3.1 prompt format)
 *
 * <p>In datasets (a {@code list<struct<role, content>>} column) a tool call is an assistant message whose content
 * starts with {@link #PYTHON_TAG}, as the rendered Llama 3.1 text shows it; {@link #fromRow} and {@link #rowContent}
 * convert. The marker is only read there: chat formats never turn special-token text inside a content into ids.
 */
public record Message(String role, String content, boolean expectsToolResult) {
  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  public Message(String role, String content) {
    this(role, content, false);
  }

  /** The marker that starts a tool call's content in datasets (Llama 3.1's {@code <|python_tag|>} token). */
  public static final String PYTHON_TAG = "<|python_tag|>";

  /** A message read from a dataset row: an assistant content starting with {@link #PYTHON_TAG} is a tool call. */
  public static Message fromRow(String role, String content) {
    if ("assistant".equals(role) && content != null && content.startsWith(PYTHON_TAG)) {
      return new Message(role, content.substring(PYTHON_TAG.length()), true);
    }
    return new Message(role, content);
  }

  /** The content as a dataset row stores it (tool calls prefixed with {@link #PYTHON_TAG}). */
  public String rowContent() {
    return expectsToolResult ? PYTHON_TAG + content : content;
  }

  public static Message system(String c) {
    return new Message("system", c);
  }

  public static Message user(String c) {
    return new Message("user", c);
  }

  public static Message assistant(String c) {
    return new Message("assistant", c);
  }

  /** An assistant turn that calls a tool and waits for its result (ends with {@code <|eom_id|>}). */
  public static Message toolCall(String c) {
    return new Message("assistant", c, true);
  }

  public static Message ipython(String c) {
    return new Message("ipython", c);
  }
}
