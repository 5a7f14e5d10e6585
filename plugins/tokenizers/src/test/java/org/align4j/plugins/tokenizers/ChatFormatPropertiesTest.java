package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * Properties the training stages rely on: the generation prompt is a prefix of the rendered conversation with the
 * answer appended (so prompt + response rows can be cut at the prompt length), and the Llama 2 masks select
 * exactly the answers (Meta's recipe puts the answer between {@code [/INST]} and {@code </s>}).
 */
class ChatFormatPropertiesTest {
  private static void promptIsPrefix(ChatFormat f, Tokenizer tok) {
    for (JsonNode c : Fixtures.jsonl(Fixtures.reference("chats.jsonl"))) {
      List<Message> msgs = ChatFormatReferenceTest.messages(c.get("messages"));
      if (f instanceof Llama2ChatFormat && msgs.stream().anyMatch(m -> m.role().equals("ipython"))) {
        continue;
      }
      int[] prompt = f.renderPrompt(msgs, tok);
      List<Message> full = new ArrayList<>(msgs);
      full.add(Message.assistant("  The answer is 42, \u00e9videmment! \uD83D\uDE00\n"));
      RenderedChat r = f.render(full, tok, MaskPolicy.LAST_ASSISTANT);
      assertArrayEquals(prompt, Arrays.copyOf(r.ids(), prompt.length), "prompt prefix of " + c);
      for (int i = 0; i < prompt.length; i++) {
        assertEquals(0, r.lossMask()[i], "prompt token " + i + " is not a target");
      }
      int[] targets = ChatFormatReferenceTest.targets(r);
      assertEquals(r.ids().length - prompt.length, targets.length, "every answer token is a target");
      assertTrue(tok.decode(targets).contains("The answer is 42, \u00e9videmment! \uD83D\uDE00"), tok.decode(targets));
    }
  }

  @Test
  void llama3PromptIsPrefixOfRenderedAnswer() {
    promptIsPrefix(new Llama3ChatFormat(), Fixtures.tokenizer(Fixtures.reference("trained-llama3")));
  }

  @Test
  void llama2PromptIsPrefixOfRenderedAnswer() {
    promptIsPrefix(new Llama2ChatFormat(), Fixtures.tokenizer(Fixtures.reference("spm-llama2-style.model")));
  }

  @Test
  void llama2MasksSelectTheAnswers() {
    Tokenizer tok = Fixtures.tokenizer(Fixtures.reference("spm-llama2-style.model"));
    Llama2ChatFormat f = new Llama2ChatFormat();
    List<Message> msgs = List.of(Message.system("Answer briefly."), Message.user("What is 2+2?"), Message.assistant("4"),
        Message.user("And 3+3?"), Message.assistant("6"));
    RenderedChat sft = f.render(msgs, tok, MaskPolicy.ASSISTANT);
    int[] t = ChatFormatReferenceTest.targets(sft);
    assertEquals(tok.eosId(), t[t.length - 1]);
    assertEquals("4 6", tok.decode(ChatFormatReferenceTest.targets(f.render(msgs, tok, MaskPolicy.ASSISTANT_CONTENT))).strip()
        .replaceAll("\\s+", " "));
    RenderedChat gatt = f.render(msgs, tok, MaskPolicy.LAST_ASSISTANT);
    assertEquals("6", tok.decode(ChatFormatReferenceTest.targets(gatt)).strip());
    // bos at the start of each turn, eos after each answer: the special positions
    assertEquals(4, sft.specialPositions().length);
    assertEquals("<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s><s>[INST] And 3+3? [/INST] 6 </s>",
        f.renderText(msgs, false));
    assertArrayEquals(new int[] {tok.eosId()}, f.stopTokens(tok));
  }

  @Test
  void badConversationsAreRefusedClearly() {
    Tokenizer tok = Fixtures.tokenizer(Fixtures.reference("spm-llama2-style.model"));
    Align4jException e = assertThrows(Align4jException.class,
        () -> new Llama2ChatFormat().render(List.of(Message.user("a"), Message.user("b")), tok, MaskPolicy.ASSISTANT));
    assertTrue(e.getMessage().contains("message 1") && e.getMessage().contains("assistant"), e.getMessage());
    Tokenizer l3 = Fixtures.tokenizer(Fixtures.reference("trained-llama3"));
    Align4jException e2 = assertThrows(Align4jException.class,
        () -> new Llama3ChatFormat().render(List.of(new Message("tool", "x")), l3, MaskPolicy.ASSISTANT));
    assertTrue(e2.getMessage().contains("'tool'") && e2.getMessage().contains("ipython"), e2.getMessage());
    Align4jException e3 = assertThrows(Align4jException.class, () -> new Llama3ChatFormat().render(List.of(Message.user("x")), tok, MaskPolicy.ASSISTANT));
    assertTrue(e3.getMessage().contains("<|begin_of_text|>"), e3.getMessage());
  }
}
