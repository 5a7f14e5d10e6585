package org.align4j.plugins.stages;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Message;
import org.align4j.toolkit.stage.Conversations;

/** What several stages share: reading conversations (the tokenizer and chat format: {@link org.align4j.toolkit.stage.ChatInputs}). */
final class StageSupport {
  private StageSupport() {}

  /** A conversation row: its {@code messages} (or {@code prompt}) column, with the {@code system} column folded in. */
  static List<Message> conversation(Map<String, Object> row, Path file, long index) {
    List<Message> msgs = Conversations.of(row, file, index, "a conversation list<struct<role, content>>");
    return Conversations.withSystem(msgs, row.get(Schemas.SYSTEM) instanceof String s && !s.isEmpty() ? s : null);
  }

  /**
   * Every row of a dataset a stage reads whole (small datasets: prompts, conversations of the task suite), with the
   * file they came from, which errors about a row name.
   */
  record InputRows(Path file, List<Map<String, Object>> rows) {
    /** The first {@code limit} rows of {@code file} (0: all). */
    static InputRows read(StageContext ctx, Path file, int limit) throws IOException {
      var out = new ArrayList<Map<String, Object>>();
      try (RowStream rows = ctx.service(DatasetStore.class).rows(file)) {
        while (rows.hasNext() && (limit <= 0 || out.size() < limit)) {
          out.add(rows.next());
        }
      }
      return new InputRows(file, out);
    }

    int size() {
      return rows.size();
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }

    Map<String, Object> get(int i) {
      return rows.get(i);
    }

    /** Row {@code i}'s conversation, as {@link StageSupport#conversation} reads it. */
    List<Message> conversation(int i) {
      return StageSupport.conversation(rows.get(i), file, i);
    }
  }
}
