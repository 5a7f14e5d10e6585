package org.align4j.plugins.tokenizers;

import java.util.List;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;

/**
 * Llama 3: {@code <|begin_of_text|>} then per message
 * {@code <|start_header_id|>{role}<|end_header_id|>\n\n{content.strip()}<|eot_id|>} (the Llama 3.0 chat template of
 * the released tokenizer_config.json); an assistant message that calls a tool is
 * {@code <|python_tag|>{call}<|eom_id|>} and the tool's answer an {@code ipython} message (Meta's Llama 3.1 prompt
 * format, "Model cards and prompt formats: Llama 3.1", built-in tool calling: the model emits {@code <|python_tag|>},
 * the call, then {@code <|eom_id|>}; the executor appends {@code <|start_header_id|>ipython<|end_header_id|>\n\n}
 * with the result and {@code <|eot_id|>}). Contents are encoded as text: special-token strings inside a message never become
 * special ids (as Meta's reference {@code ChatFormat}).
 */
public final class Llama3ChatFormat implements ChatFormat {
  public static final String ID = "llama3";
  static final String BOT = "<|begin_of_text|>";
  static final String SH = "<|start_header_id|>";
  static final String EH = "<|end_header_id|>";
  static final String EOT = "<|eot_id|>";
  static final String EOM = "<|eom_id|>";
  static final String EOTEXT = "<|end_of_text|>";
  static final String PYTHON_TAG = Message.PYTHON_TAG;
  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "ipython");

  @Override
  public RenderedChat render(List<Message> messages, Tokenizer tok, MaskPolicy policy) {
    return render(messages, tok, policy, false);
  }

  private RenderedChat render(List<Message> messages, Tokenizer tok, MaskPolicy policy, boolean generationPrompt) {
    int bot = ChatSupport.requireSpecial(tok, BOT, ID);
    int sh = ChatSupport.requireSpecial(tok, SH, ID);
    int eh = ChatSupport.requireSpecial(tok, EH, ID);
    int eot = ChatSupport.requireSpecial(tok, EOT, ID);
    boolean all = policy == MaskPolicy.ALL;
    int lastAssistant = -1;
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (!ROLES.contains(m.role())) {
        throw new Align4jException("llama3 chat format: message " + i + " has role '" + m.role()
            + "'; valid roles: system, user, assistant, ipython");
      }
      if (m.role().equals("assistant")) {
        lastAssistant = i;
      }
    }
    int[] nl = tok.encode("\n\n");
    ChatSupport.Builder b = new ChatSupport.Builder();
    b.add(bot, all, true);
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      boolean assistant = m.role().equals("assistant");
      boolean target = all || (assistant && (policy != MaskPolicy.LAST_ASSISTANT || i == lastAssistant));
      b.add(sh, all, true);
      int[] role = tok.encode(m.role());
      b.addAll(role, 0, role.length, all);
      b.add(eh, all, true);
      String content = ChatSupport.pyStrip(m.content());
      int end = eot;
      if (m.expectsToolResult()) {
        if (!assistant) {
          throw new Align4jException("llama3 chat format: message " + i + " (" + m.role() + ") expects a tool result; only assistant messages can");
        }
        end = ChatSupport.requireSpecial(tok, EOM, ID + " (tool calls, Llama 3.1)");
        // the call follows <|python_tag|>, which the model must learn to emit: a target like the call itself
        b.addAll(nl, 0, nl.length, all);
        b.add(ChatSupport.requireSpecial(tok, PYTHON_TAG, ID + " (tool calls, Llama 3.1)"), target, true);
        int[] call = tok.encode(content);
        b.addAll(call, 0, call.length, target);
      } else {
        int[] body = tok.encode("\n\n" + content);
        int head = ChatSupport.commonPrefix(body, nl);
        b.addAll(body, 0, head, all);
        b.addAll(body, head, body.length, target);
      }
      b.add(end, all || (target && policy != MaskPolicy.ASSISTANT_CONTENT), true);
    }
    if (generationPrompt) {
      b.add(sh, false, true);
      int[] role = tok.encode("assistant");
      b.addAll(role, 0, role.length, false);
      b.add(eh, false, true);
      b.addAll(nl, 0, nl.length, false);
    }
    return b.build();
  }

  @Override
  public int[] renderPrompt(List<Message> messages, Tokenizer tokenizer) {
    if (!messages.isEmpty() && messages.get(messages.size() - 1).role().equals("assistant")
        && !messages.get(messages.size() - 1).expectsToolResult()) {
      throw new Align4jException("llama3 chat format: a generation prompt must not end with a finished assistant message");
    }
    return render(messages, tokenizer, MaskPolicy.ASSISTANT, true).ids();
  }

  /** Ids and mask of the prompt including the generation header (for prompt+response rows). */
  public RenderedChat renderPromptChat(List<Message> messages, Tokenizer tokenizer) {
    return render(messages, tokenizer, MaskPolicy.ASSISTANT, true);
  }

  @Override
  public int[] stopTokens(Tokenizer tok) {
    return java.util.stream.Stream.of(EOT, EOM, EOTEXT)
        .map(tok::specialId).filter(java.util.OptionalInt::isPresent).mapToInt(java.util.OptionalInt::getAsInt).toArray();
  }

  @Override
  public String renderText(List<Message> messages, boolean addGenerationPrompt) {
    StringBuilder sb = new StringBuilder(BOT);
    for (Message m : messages) {
      sb.append(SH).append(m.role()).append(EH).append("\n\n").append(m.expectsToolResult() ? PYTHON_TAG : "")
          .append(ChatSupport.pyStrip(m.content())).append(m.expectsToolResult() ? EOM : EOT);
    }
    if (addGenerationPrompt) {
      sb.append(SH).append("assistant").append(EH).append("\n\n");
    }
    return sb.toString();
  }
}
