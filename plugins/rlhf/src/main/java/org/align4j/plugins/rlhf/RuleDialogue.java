package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.plugins.data.tasks.Check;
import org.align4j.plugins.data.tasks.Checker;
import org.align4j.toolkit.data.Rows;

/**
 * A multi-turn dialogue under one system rule, as the task suite writes them ({@code tasks} outputs {@code gatt} and
 * {@code gatt_eval}): the user turns, the rule's instruction ({@code system} column) and its check spec ({@code check}
 * column: {@code rule}, {@code arg}). The rows' reference answers are ignored: Ghost Attention samples the assistant
 * turns from the model.
 *
 * @param index the row number in its file
 * @param users the user turns in order
 * @param instruction the system instruction (e.g. "Always start your answer with Arr.", "Style: caps")
 * @param check the rule's check spec, as {@link Checker#followsRule} reads it
 */
record RuleDialogue(long index, List<String> users, String instruction, Map<String, String> check) {
  RuleDialogue {
    users = List.copyOf(users);
    check = Map.copyOf(check);
  }

  /** The rule's kind (prefix, suffix, brackets, upper). */
  String rule() {
    return check.getOrDefault("rule", "");
  }

  boolean follows(String answer) {
    return Checker.followsRule(check, answer);
  }

  /** Where the instruction goes when it is given once (in the first turn only). */
  enum FirstTurn {
    /** as the system message (Llama 2's format folds it into the first user message between {@code <<SYS>>} tags) */
    SYSTEM,
    /** joined to the first user message by the template, as at sampling time */
    USER
  }

  /** The first {@code turns} user turns with the instruction joined to each by {@code template} (GAtt sampling). */
  List<Message> everyTurn(List<String> answers, String template) {
    List<Message> m = new ArrayList<>();
    for (int t = 0; t <= answers.size() && t < users.size(); t++) {
      m.add(Message.user(join(template, instruction, users.get(t))));
      if (t < answers.size()) {
        m.add(Message.assistant(answers.get(t)));
      }
    }
    return m;
  }

  /**
   * The dialogue with the instruction in the first turn only, the given answers after their user turns: a
   * generation prompt for turn {@code answers.size() + 1} when there are fewer answers than user turns, else the
   * whole conversation (a training row).
   */
  List<Message> firstTurnOnly(List<String> answers, FirstTurn where, String template) {
    List<Message> m = new ArrayList<>();
    if (where == FirstTurn.SYSTEM) {
      m.add(Message.system(instruction));
    }
    for (int t = 0; t <= answers.size() && t < users.size(); t++) {
      String u = users.get(t);
      m.add(Message.user(t == 0 && where == FirstTurn.USER ? join(template, instruction, u) : u));
      if (t < answers.size()) {
        m.add(Message.assistant(answers.get(t)));
      }
    }
    return m;
  }

  /**
   * The training row of the first {@code answers.size()} turns: the instruction in the first turn only, each user
   * turn followed by its answer (user turns past the last answer are left out).
   */
  List<Message> trainingRow(List<String> answers, FirstTurn where, String template) {
    if (answers.isEmpty() || answers.size() > users.size()) {
      throw new IllegalArgumentException("a training row needs 1.." + users.size() + " answers, got " + answers.size());
    }
    List<Message> m = firstTurnOnly(answers, where, template);
    if (m.get(m.size() - 1).role().equals("user")) {
      m.remove(m.size() - 1);
    }
    return m;
  }

  /** {@code template} with {@code {instruction}} and {@code {user}} filled in. */
  static String join(String template, String instruction, String user) {
    return template.replace("{instruction}", instruction).replace("{user}", user);
  }

  /** Each dialogue {@code k} times in a row (k samples per dialogue; the copies are one cluster in the s.e.). */
  static List<RuleDialogue> repeated(List<RuleDialogue> dialogues, int k) {
    List<RuleDialogue> out = new ArrayList<>();
    for (RuleDialogue d : dialogues) {
      for (int j = 0; j < k; j++) {
        out.add(d);
      }
    }
    return out;
  }

  /**
   * The last check of a rule-dialogue stage's options: adds to {@code bad} what is wrong with the placement options
   * (the template's placeholders, first_turn set), then refuses the options, every problem in one message, if
   * {@code bad} holds any.
   */
  static void refuseBadOptions(FirstTurn firstTurn, String template, List<String> bad) {
    try {
      checkTemplate(template);
    } catch (IllegalArgumentException e) {
      bad.add(e.getMessage());
    }
    if (firstTurn == null) {
      bad.add("first_turn must be system or user");
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", bad));
    }
  }

  /** Checks a join template: it must contain both placeholders. */
  static void checkTemplate(String template) {
    if (template == null || !template.contains("{instruction}") || !template.contains("{user}")) {
      throw new IllegalArgumentException("instruction_template must contain {instruction} and {user}, got '"
          + template + "'");
    }
  }

  /**
   * Reads dialogue rows: {@code messages} (user turns; assistant turns are skipped), {@code system} (the
   * instruction) and {@code check} (the rule); an error names the file, row and column of the first bad row. Rows
   * with fewer than {@code minTurns} user turns are an error too (adherence by turn needs every turn).
   */
  static List<RuleDialogue> read(DatasetStore store, Path file, int limit, int minTurns) throws IOException {
    List<RuleDialogue> out = new ArrayList<>();
    try (RowStream rows = store.rows(file)) {
      long index = 0;
      while (rows.hasNext() && (limit <= 0 || out.size() < limit)) {
        Map<String, Object> row = rows.next();
        out.add(of(row, file, index++, minTurns));
      }
    }
    if (out.isEmpty()) {
      throw new Align4jException(file + ": no dialogues; give the tasks stage's gatt or gatt_eval output");
    }
    return out;
  }

  static RuleDialogue of(Map<String, Object> row, Path file, long index, int minTurns) {
    String where = file + ": row " + index + ": ";
    Object m = row.get(Schemas.MESSAGES);
    if (m == null) {
      throw new Align4jException(where + "no '" + Schemas.MESSAGES + "' column; expected the user turns of a"
          + " dialogue (the tasks stage's gatt or gatt_eval output)");
    }
    List<String> users = new ArrayList<>();
    for (Message msg : Rows.messages(m)) {
      if (msg.role().equals("user")) {
        users.add(msg.content());
      } else if (!msg.role().equals("assistant")) {
        throw new Align4jException(where + "column '" + Schemas.MESSAGES + "': role '" + msg.role() + "'; a rule"
            + " dialogue has user and assistant turns only, its instruction in column '" + Schemas.SYSTEM + "'");
      }
    }
    if (users.size() < Math.max(1, minTurns)) {
      throw new Align4jException(where + "column '" + Schemas.MESSAGES + "': " + users.size() + " user turns, need"
          + " at least " + Math.max(1, minTurns));
    }
    if (!(row.get(Schemas.SYSTEM) instanceof String instruction) || instruction.isBlank()) {
      throw new Align4jException(where + "column '" + Schemas.SYSTEM + "' is empty; it must hold the rule's"
          + " instruction");
    }
    if (!(row.get(Schemas.CHECK) instanceof String spec) || spec.isBlank()) {
      throw new Align4jException(where + "column '" + Schemas.CHECK + "' is empty; it must hold the rule"
          + " (rule=prefix;arg=...)");
    }
    Map<String, String> check;
    try {
      check = Check.decode(spec);
      Checker.followsRule(check, "");
    } catch (Align4jException e) {
      throw new Align4jException(where + "column '" + Schemas.CHECK + "': " + e.getMessage(), e);
    }
    return new RuleDialogue(index, users, instruction, check);
  }
}
