package org.align4j.toolkit.stage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/**
 * The conversation of a row a stage reads (conversations to train on, prompts to answer, samples to score), read
 * alike by every stage: the {@code messages} column, else the {@code prompt} column, and a system prompt put first.
 */
public final class Conversations {
  private Conversations() {}

  /**
   * The row's {@code messages} column, else its {@code prompt} column, as messages; an error naming the file and row
   * when it has neither.
   *
   * @param expected what the column should hold, for the error ("a conversation list&lt;struct&lt;role,
   *     content&gt;&gt;")
   */
  public static List<Message> of(Map<String, Object> row, Path file, long index, String expected) {
    Object m = row.get(Schemas.MESSAGES);
    if (m == null) {
      m = row.get(Schemas.PROMPT);
    }
    if (m == null) {
      throw new Align4jException(file + ": row " + index + ": no '" + Schemas.MESSAGES + "' or '" + Schemas.PROMPT
          + "' column; expected " + expected);
    }
    return Rows.messages(m);
  }

  /** A copy of {@code messages} with {@code system} first, unless it is null or they start with a system message. */
  public static List<Message> withSystem(List<Message> messages, String system) {
    List<Message> out = new ArrayList<>(messages);
    if (system != null && (out.isEmpty() || !out.get(0).role().equals("system"))) {
      out.add(0, Message.system(system));
    }
    return out;
  }
}
