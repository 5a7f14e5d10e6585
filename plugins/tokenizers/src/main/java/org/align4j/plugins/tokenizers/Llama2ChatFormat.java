package org.align4j.plugins.tokenizers;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;

/**
 * Llama 2 chat, exactly as Meta's reference {@code chat_completion}: the system message is folded into the first
 * user message as {@code "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + user}; each (user, assistant) pair is
 * {@code bos + encode("[INST] " + user.strip() + " [/INST] " + answer.strip() + " ") + eos}; a final user message is
 * {@code bos + encode("[INST] " + user.strip() + " [/INST]")}. Each piece is encoded separately (one dummy-prefix
 * space per piece), special-token strings as text.
 */
public final class Llama2ChatFormat implements ChatFormat {
  public static final String ID = "llama2";
  static final String B_INST = "[INST]";
  static final String E_INST = "[/INST]";
  static final String B_SYS = "<<SYS>>\n";
  static final String E_SYS = "\n<</SYS>>\n\n";

  /** The dialog after folding the system message: alternating user, assistant, user, ... */
  static List<Message> fold(List<Message> messages) {
    List<Message> d = new ArrayList<>(messages);
    if (!d.isEmpty() && d.get(0).role().equals("system")) {
      if (d.size() < 2) {
        throw new Align4jException("llama2 chat format: a system message must be followed by a user message");
      }
      Message sys = d.remove(0);
      Message first = d.remove(0);
      d.add(0, new Message(first.role(), B_SYS + sys.content() + E_SYS + first.content()));
    }
    for (int i = 0; i < d.size(); i++) {
      String want = i % 2 == 0 ? "user" : "assistant";
      if (!d.get(i).role().equals(want)) {
        throw new Align4jException("llama2 chat format: message " + i + " (after folding the system prompt) has role '"
            + d.get(i).role() + "' but must be '" + want + "': roles are system (optional, first), then user and assistant alternating");
      }
    }
    return d;
  }

  @Override
  public RenderedChat render(List<Message> messages, Tokenizer tok, MaskPolicy policy) {
    return render(messages, tok, policy, false);
  }

  private RenderedChat render(List<Message> messages, Tokenizer tok, MaskPolicy policy, boolean prompt) {
    List<Message> d = fold(messages);
    if (d.isEmpty()) {
      throw new Align4jException("llama2 chat format: empty conversation");
    }
    int bos = tok.bosId();
    int eos = tok.eosId();
    if (bos < 0 || eos < 0) {
      throw new Align4jException("llama2 chat format needs bos and eos tokens; tokenizer " + tok + " lacks them");
    }
    boolean all = policy == MaskPolicy.ALL;
    int pairs = d.size() / 2;
    ChatSupport.Builder b = new ChatSupport.Builder();
    for (int p = 0; p < pairs; p++) {
      String u = ChatSupport.pyStrip(d.get(2 * p).content());
      String a = ChatSupport.pyStrip(d.get(2 * p + 1).content());
      boolean target = all || policy != MaskPolicy.LAST_ASSISTANT || p == pairs - 1;
      int[] head = tok.encode(B_INST + " " + u + " " + E_INST);
      int[] full = tok.encode(B_INST + " " + u + " " + E_INST + " " + a + " ");
      int split = ChatSupport.commonPrefix(full, head);
      b.add(bos, all, true);
      b.addAll(full, 0, split, all);
      b.addAll(full, split, full.length, target);
      b.add(eos, all || (target && policy != MaskPolicy.ASSISTANT_CONTENT), true);
    }
    if (d.size() % 2 == 1) {
      String u = ChatSupport.pyStrip(d.get(d.size() - 1).content());
      int[] head = tok.encode(B_INST + " " + u + " " + E_INST);
      b.add(bos, all, true);
      b.addAll(head, 0, head.length, all);
    } else if (prompt) {
      throw new Align4jException("llama2 chat format: a generation prompt must end with a user message");
    }
    return b.build();
  }

  @Override
  public int[] renderPrompt(List<Message> messages, Tokenizer tokenizer) {
    return render(messages, tokenizer, MaskPolicy.ASSISTANT, true).ids();
  }

  @Override
  public int[] stopTokens(Tokenizer tok) {
    return new int[] {tok.eosId()};
  }

  @Override
  public String renderText(List<Message> messages, boolean addGenerationPrompt) {
    List<Message> d = fold(messages);
    StringBuilder sb = new StringBuilder();
    for (int p = 0; p + 1 < d.size(); p += 2) {
      sb.append("<s>").append(B_INST).append(' ').append(ChatSupport.pyStrip(d.get(p).content())).append(' ')
          .append(E_INST).append(' ').append(ChatSupport.pyStrip(d.get(p + 1).content())).append(" </s>");
    }
    if (d.size() % 2 == 1) {
      sb.append("<s>").append(B_INST).append(' ').append(ChatSupport.pyStrip(d.get(d.size() - 1).content())).append(' ').append(E_INST);
    }
    return sb.toString();
  }
}
