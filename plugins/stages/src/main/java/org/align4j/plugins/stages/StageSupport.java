package org.align4j.plugins.stages;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/** What several stages share: reading conversations (the tokenizer and chat format: {@link org.align4j.toolkit.stage.ChatInputs}). */
final class StageSupport {
  private StageSupport() {}

  /** A conversation row: its {@code messages} (or {@code prompt}) column, with the {@code system} column folded in. */
  static List<Message> conversation(Map<String, Object> row, Path file, long index) {
    Object m = row.get(Schemas.MESSAGES);
    if (m == null) {
      m = row.get(Schemas.PROMPT);
    }
    if (m == null) {
      throw new Align4jException(file + ": row " + index + ": no '" + Schemas.MESSAGES + "' or '" + Schemas.PROMPT
          + "' column; expected a conversation list<struct<role, content>>");
    }
    List<Message> msgs = new ArrayList<>(Rows.messages(m));
    Object sys = row.get(Schemas.SYSTEM);
    if (sys instanceof String s && !s.isEmpty() && (msgs.isEmpty() || !msgs.get(0).role().equals("system"))) {
      msgs.add(0, Message.system(s));
    }
    return msgs;
  }

  /** Reads every row of a dataset (small datasets: prompts, conversations of the task suite). */
  static List<Map<String, Object>> readAll(StageContext ctx, Path path, int limit) throws IOException {
    var out = new ArrayList<Map<String, Object>>();
    try (RowStream rows = ctx.service(DatasetStore.class).rows(path)) {
      while (rows.hasNext() && (limit <= 0 || out.size() < limit)) {
        out.add(rows.next());
      }
    }
    return out;
  }
}
