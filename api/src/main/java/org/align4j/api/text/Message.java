package org.align4j.api.text;

import java.util.Objects;

/**
 * One chat message. Roles: {@code system}, {@code user}, {@code assistant}, {@code ipython} (tool output).
 *
 * @param role who speaks
 * @param content the text (chat formats trim it, as the reference templates do)
 * @param expectsToolResult only for assistant messages in the Llama 3 format: the turn calls a tool and ends with
 *     {@code <|eom_id|>} instead of {@code <|eot_id|>} (Llama 3.1 prompt format)
 */
public record Message(String role, String content, boolean expectsToolResult) {
  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  public Message(String role, String content) {
    this(role, content, false);
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
