package org.align4j.plugins.data.sources;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.align4j.api.data.Schemas;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Maps the common public dataset shapes onto align4j's schemas. A problem with a row is an
 * {@link IllegalArgumentException} whose message names the field.
 *
 * <ul>
 *   <li>{@code conversations}: a chat list in {@code messages} / {@code conversations} / {@code conversation}
 *       / {@code dialog} with {@code role}+{@code content} (OpenAI / Hugging Face chat) or
 *       {@code from}+{@code value} (ShareGPT: human, gpt) items; or {@code prompt}+{@code completion}
 *       (TRL prompt-completion), {@code prompt}+{@code response}, {@code instruction}+{@code input}+{@code output}
 *       (Alpaca). Optional {@code system} string and {@code tags} list.
 *   <li>{@code preferences}: TRL's {@code prompt}/{@code chosen}/{@code rejected} as strings or message
 *       lists (explicit prompt, or implicit: the shared prefix of the chosen and rejected conversations);
 *       Anthropic HH transcripts ({@code "\n\nHuman: ... \n\nAssistant: ..."} strings in {@code chosen}
 *       and {@code rejected}); Llama 2 style {@code rating} (or {@code preference_strength}/{@code degree}:
 *       words, or 3/2/1/0), {@code domain}, {@code safety_label}, and Llama 3 {@code edited}.
 * </ul>
 */
public final class Shapes {
  private Shapes() {}

  public static final List<String> SHAPES = List.of("auto", "raw", "conversations", "preferences");
  static final List<String> CHAT_COLUMNS = List.of("messages", "conversations", "conversation", "dialog");
  static final List<String> ROLES = List.of("system", "user", "assistant", "ipython");
  static final List<String> RATING_COLUMNS = List.of("rating", "preference_strength", "degree", "strength");

  /** The target schema of a shape ({@code raw}: null, keep the source's). */
  public static Schema schema(String shape) {
    return switch (shape) {
      case "conversations" -> Schemas.CONVERSATIONS;
      case "preferences" -> Schemas.PREFERENCES;
      default -> null;
    };
  }

  /** The shape that fits a row (or a schema's column names) with the given columns. */
  public static String detect(Collection<String> columns) {
    for (String c : CHAT_COLUMNS) {
      if (columns.contains(c)) {
        return "conversations";
      }
    }
    if (columns.contains("chosen") && columns.contains("rejected")) {
      return "preferences";
    }
    if ((columns.contains("prompt") && (columns.contains("completion") || columns.contains("response")))
        || (columns.contains("instruction") && columns.contains("output"))) {
      return "conversations";
    }
    return "raw";
  }

  public static Map<String, Object> map(String shape, Map<String, Object> row) {
    return switch (shape) {
      case "conversations" -> conversation(row);
      case "preferences" -> preference(row);
      default -> row;
    };
  }

  // ------------------------------------------------------------------ conversations

  static Map<String, Object> conversation(Map<String, Object> row) {
    List<Map<String, Object>> msgs = null;
    for (String c : CHAT_COLUMNS) {
      if (row.containsKey(c)) {
        msgs = messages(row.get(c), c);
        break;
      }
    }
    if (msgs == null) {
      if (row.containsKey("prompt")) {
        Object answer = row.containsKey("completion") ? row.get("completion") : row.get("response");
        String ansCol = row.containsKey("completion") ? "completion" : "response";
        msgs = new ArrayList<>(promptMessages(row.get("prompt"), "prompt"));
        msgs.add(message("assistant", responseText(answer, ansCol, List.of())));
      } else if (row.containsKey("instruction")) {
        String ins = string(row.get("instruction"), "instruction");
        Object input = row.get("input");
        String user = input == null || input.toString().isBlank() ? ins : ins + "\n\n" + string(input, "input");
        msgs = new ArrayList<>(List.of(message("user", user), message("assistant", string(row.get("output"), "output"))));
      } else {
        throw new IllegalArgumentException("no conversation: expected one of the columns " + CHAT_COLUMNS
            + ", prompt+completion, or instruction+output (columns: " + row.keySet() + ")");
      }
    }
    if (msgs.isEmpty()) {
      throw new IllegalArgumentException("field 'messages' is an empty conversation");
    }
    String system = row.get("system") == null ? null : string(row.get("system"), "system");
    if (system == null && "system".equals(msgs.get(0).get("role"))) {
      system = (String) msgs.get(0).get("content");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(Schemas.MESSAGES, msgs);
    out.put(Schemas.SYSTEM, system);
    out.put(Schemas.TAGS, row.get("tags") instanceof List<?> l ? l : null);
    return out;
  }

  static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Schemas.ROLE, role);
    m.put(Schemas.CONTENT, content);
    return m;
  }

  /** A chat list: role/content or from/value items; content may be a list of {type: text, text} parts. */
  static List<Map<String, Object>> messages(Object v, String path) {
    if (!(v instanceof List<?> list)) {
      throw new IllegalArgumentException("field '" + path + "': expected a list of messages, got " + kind(v));
    }
    List<Map<String, Object>> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String p = path + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("field '" + p + "': expected a {role, content} object, got " + kind(list.get(i)));
      }
      Object role = m.containsKey("role") ? m.get("role") : m.get("from");
      String roleKey = m.containsKey("role") ? "role" : "from";
      if (role == null) {
        throw new IllegalArgumentException("field '" + p + ".role' is missing (a message needs role and content)");
      }
      String r = normalizeRole(role.toString());
      if (r == null) {
        throw new IllegalArgumentException("field '" + p + "." + roleKey + "': '" + role + "' is not a role (valid: "
            + ROLES + "; ShareGPT's human/gpt and tool are mapped)");
      }
      String contentKey = m.containsKey("content") ? "content" : m.containsKey("value") ? "value" : "text";
      Object c = m.get(contentKey);
      if (c == null) {
        throw new IllegalArgumentException("field '" + p + ".content' is missing or null");
      }
      out.add(message(r, content(c, p + "." + contentKey)));
    }
    return out;
  }

  private static String content(Object c, String path) {
    if (c instanceof String s) {
      return s;
    }
    if (c instanceof List<?> parts) {
      StringBuilder sb = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Map<?, ?> pm && pm.get("text") instanceof String t) {
          sb.append(t);
        } else if (part instanceof String s) {
          sb.append(s);
        } else {
          throw new IllegalArgumentException("field '" + path + "': only text content parts are supported, got " + kind(part));
        }
      }
      return sb.toString();
    }
    throw new IllegalArgumentException("field '" + path + "': expected a string, got " + kind(c));
  }

  static String normalizeRole(String role) {
    String r = role.toLowerCase(Locale.ROOT).strip();
    return switch (r) {
      case "system" -> "system";
      case "user", "human", "prompter" -> "user";
      case "assistant", "gpt", "bot", "model", "chatgpt" -> "assistant";
      case "ipython", "tool" -> "ipython";
      default -> null;
    };
  }

  // ------------------------------------------------------------------ preferences

  private static final Pattern HH_TURN = Pattern.compile("\\n\\n(Human|Assistant):[ ]?");

  static Map<String, Object> preference(Map<String, Object> row) {
    if (!row.containsKey("chosen") || !row.containsKey("rejected")) {
      throw new IllegalArgumentException("preference rows need 'chosen' and 'rejected' (columns: " + row.keySet() + ")");
    }
    Object chosen = row.get("chosen");
    Object rejected = row.get("rejected");
    List<Map<String, Object>> prompt;
    String c;
    String r;
    if (row.get("prompt") != null) {
      prompt = promptMessages(row.get("prompt"), "prompt");
      c = responseText(chosen, "chosen", prompt);
      r = responseText(rejected, "rejected", prompt);
    } else if (chosen instanceof String cs && rejected instanceof String rs) {
      List<Map<String, Object>> ct = transcript(cs, "chosen");
      List<Map<String, Object>> rt = transcript(rs, "rejected");
      prompt = ct.subList(0, ct.size() - 1);
      if (!prompt.equals(rt.subList(0, rt.size() - 1))) {
        throw new IllegalArgumentException("fields 'chosen' and 'rejected': the transcripts differ before the last"
            + " Assistant turn; they must share the conversation and differ only in the final answer");
      }
      c = (String) ct.get(ct.size() - 1).get("content");
      r = (String) rt.get(rt.size() - 1).get("content");
    } else {
      List<Map<String, Object>> cm = messages(chosen, "chosen");
      List<Map<String, Object>> rm = messages(rejected, "rejected");
      int k = 0;
      while (k < cm.size() - 1 && k < rm.size() - 1 && cm.get(k).equals(rm.get(k))) {
        k++;
      }
      prompt = cm.subList(0, k);
      if (prompt.isEmpty()) {
        throw new IllegalArgumentException("fields 'chosen'/'rejected': no shared prompt (implicit-prompt"
            + " conversations must start with the same messages); add a 'prompt' column");
      }
      if (k != cm.size() - 1 || k != rm.size() - 1 || !"assistant".equals(cm.get(k).get("role"))
          || !"assistant".equals(rm.get(k).get("role"))) {
        throw new IllegalArgumentException("fields 'chosen'/'rejected': after the shared prompt each must be one"
            + " assistant message");
      }
      c = (String) cm.get(k).get("content");
      r = (String) rm.get(k).get("content");
    }
    if (prompt.isEmpty() || !"user".equals(prompt.get(prompt.size() - 1).get("role"))) {
      throw new IllegalArgumentException("field 'prompt': the prompt must end with a user message");
    }
    Object ratingValue = null;
    String ratingCol = "rating";
    for (String col : RATING_COLUMNS) {
      if (row.get(col) != null) {
        ratingValue = row.get(col);
        ratingCol = col;
        break;
      }
    }
    String safety = safetyLabel(row.get("safety_label"));
    String domain = row.get("domain") == null ? (safety != null ? "safety" : "helpfulness")
        : domain(row.get("domain"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(Schemas.PROMPT, prompt);
    out.put(Schemas.CHOSEN, c);
    out.put(Schemas.REJECTED, r);
    out.put(Schemas.EDITED, row.get("edited") == null ? null : responseText(row.get("edited"), "edited", prompt));
    out.put(Schemas.RATING, ratingValue == null ? null : rating(ratingValue, ratingCol));
    out.put(Schemas.DOMAIN, domain);
    out.put(Schemas.SAFETY_LABEL, safety);
    return out;
  }

  static List<Map<String, Object>> promptMessages(Object v, String path) {
    if (v instanceof String s) {
      return List.of(message("user", s));
    }
    return messages(v, path);
  }

  /** A response given as a string, or as messages (the assistant message after {@code prompt}). */
  static String responseText(Object v, String path, List<Map<String, Object>> prompt) {
    if (v instanceof String s) {
      return s;
    }
    List<Map<String, Object>> m = messages(v, path);
    if (m.size() > prompt.size() && m.subList(0, prompt.size()).equals(prompt)) {
      m = m.subList(prompt.size(), m.size());
    }
    if (m.size() != 1 || !"assistant".equals(m.get(0).get("role"))) {
      throw new IllegalArgumentException("field '" + path + "': expected one assistant message, got "
          + m.size() + " message(s)");
    }
    return (String) m.get(0).get("content");
  }

  /** Parses an Anthropic HH transcript into messages; it must end with an Assistant turn. */
  static List<Map<String, Object>> transcript(String s, String path) {
    Matcher m = HH_TURN.matcher(s);
    List<Map<String, Object>> out = new ArrayList<>();
    int start = -1;
    String role = null;
    while (m.find()) {
      if (role != null) {
        out.add(message(role, s.substring(start, m.start())));
      } else if (!s.substring(0, m.start()).isBlank()) {
        throw new IllegalArgumentException("field '" + path + "': text before the first Human: turn");
      }
      role = m.group(1).equals("Human") ? "user" : "assistant";
      start = m.end();
    }
    if (role == null) {
      throw new IllegalArgumentException("field '" + path + "': not a transcript (expected \"\\n\\nHuman: ...\\n\\nAssistant: ...\")"
          + " and no 'prompt' column");
    }
    out.add(message(role, s.substring(start)));
    if (!"assistant".equals(role)) {
      throw new IllegalArgumentException("field '" + path + "': the transcript must end with an Assistant turn");
    }
    return out;
  }

  static String rating(Object v, String path) {
    if (v instanceof Number n) {
      int k = n.intValue();
      if (k < 0 || k > 3 || n.doubleValue() != k) {
        throw new IllegalArgumentException("field '" + path + "': numeric ratings are 3 (significantly better) .. 0"
            + " (negligibly better), got " + n);
      }
      return Schemas.RATINGS.get(3 - k);
    }
    String s = v.toString().toLowerCase(Locale.ROOT).strip().replaceAll("[\\s\\-]+", "_").replace(".", "");
    return switch (s) {
      case "significantly_better", "much_better", "sig_better" -> "significantly_better";
      case "better" -> "better";
      case "slightly_better" -> "slightly_better";
      case "negligibly_better", "marginally_better", "unsure", "negligibly_better/unsure", "negligibly_better_or_unsure",
          "similar", "about_the_same" -> "negligibly_better";
      default -> throw new IllegalArgumentException("field '" + path + "': '" + v + "' is not a rating (valid: "
          + Schemas.RATINGS + ", marginally_better, unsure, or 3/2/1/0)");
    };
  }

  static String safetyLabel(Object v) {
    if (v == null) {
      return null;
    }
    String s = v.toString().toLowerCase(Locale.ROOT).strip().replaceAll("[\\s\\-]+", "_");
    return switch (s) {
      case "chosen_safe_rejected_unsafe", "chosen_safe_other_unsafe", "safe_unsafe", "chosen_safe", "one_safe" ->
          "chosen_safe_rejected_unsafe";
      case "both_safe" -> "both_safe";
      case "both_unsafe" -> "both_unsafe";
      default -> throw new IllegalArgumentException("field 'safety_label': '" + v + "' is not a safety label (valid: "
          + Schemas.SAFETY_LABELS + ")");
    };
  }

  static String domain(Object v) {
    String s = v.toString().toLowerCase(Locale.ROOT).strip();
    if (!s.equals("helpfulness") && !s.equals("safety")) {
      throw new IllegalArgumentException("field 'domain': '" + v + "' is not a domain (valid: helpfulness, safety)");
    }
    return s;
  }

  static String string(Object v, String path) {
    if (v instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException("field '" + path + "': expected a string, got " + kind(v));
  }

  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    return v.getClass().getSimpleName();
  }
}
