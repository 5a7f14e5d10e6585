package org.align4j.plugins.data.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/**
 * One generated task: a prompt (a conversation ending with the user turn; dialogues start with the
 * system instruction), the reference answer, and the checker's spec.
 *
 * @param domain arithmetic | instruction | dialogue | safety
 * @param task the task kind within the domain (add, repeat, prefix, unsafe, ...)
 * @param prompt the conversation to answer
 * @param reference a correct answer (the SFT target)
 * @param check what the checker needs ({@link Check} encoded in rows)
 * @param system the system instruction governing the dialogue, or null
 * @param toolTurns the reference's tool calls and the tools' answers, between the prompt and the reference answer
 *     (empty for tasks solved without tools)
 */
public record Task(String domain, String task, List<Message> prompt, String reference, Map<String, String> check,
    String system, List<Message> toolTurns) {
  public Task {
    prompt = List.copyOf(prompt);
    check = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(check));
    toolTurns = List.copyOf(toolTurns);
  }

  public Task(String domain, String task, List<Message> prompt, String reference, Map<String, String> check,
      String system) {
    this(domain, task, prompt, reference, check, system, List.of());
  }

  /** The prompt, the reference's tool turns, then the reference answer. */
  public List<Message> conversation() {
    List<Message> m = new ArrayList<>(prompt);
    m.addAll(toolTurns);
    m.add(Message.assistant(reference));
    return m;
  }

  /** The last user message. */
  public String lastUser() {
    return prompt.get(prompt.size() - 1).content();
  }

  /** User turns in the prompt. */
  public int turns() {
    return (int) prompt.stream().filter(m -> m.role().equals("user")).count();
  }

  /** Metadata a reward needs (the same keys {@link Rows#metadata} yields from a row). */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Schemas.DOMAIN, domain);
    m.put(Schemas.TASK, task);
    m.put(Schemas.REFERENCE, reference);
    m.put(Schemas.CHECK, Check.encode(check));
    return m;
  }

  /** A row with {@code messages} = {@code messages}, the system instruction, tags and the task fields. */
  public Map<String, Object> row(String messagesColumn, List<Message> messages) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put(messagesColumn, Rows.conversation(messages));
    r.put(Schemas.SYSTEM, system);
    r.put(Schemas.TAGS, List.of(domain, task));
    r.putAll(metadata());
    r.put(TaskSuite.TURNS, turns());
    return r;
  }
}
