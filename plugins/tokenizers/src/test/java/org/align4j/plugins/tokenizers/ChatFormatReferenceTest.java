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
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * Chat formats against references: the Llama 3.0 chat template (released tokenizer_config.json) rendered by
 * {@code @huggingface/jinja} and encoded by HF tokenizers; Llama 2 ids built by a script following Meta's
 * {@code chat_completion} with Google's SentencePiece encoder.
 */
class ChatFormatReferenceTest {
  static List<Message> messages(JsonNode conv) {
    List<Message> out = new ArrayList<>();
    for (JsonNode m : conv) {
      out.add(new Message(m.get("role").asText(), m.get("content").asText()));
    }
    return out;
  }

  @Test
  void llama3GenerationPromptEqualsJinjaTemplate() {
    Tokenizer tok = Fixtures.tokenizer(Fixtures.asset("llama3"));
    List<JsonNode> chats = Fixtures.jsonl(Fixtures.reference("chats.jsonl"));
    List<JsonNode> want = Fixtures.jsonl(Fixtures.reference("llama3-chat-template.jsonl"));
    assertEquals(chats.size(), want.size());
    assertTrue(chats.size() >= 50);
    Llama3ChatFormat f = new Llama3ChatFormat();
    int ipython = 0;
    int system = 0;
    for (int i = 0; i < chats.size(); i++) {
      List<Message> msgs = messages(chats.get(i).get("messages"));
      ipython += msgs.stream().anyMatch(m -> m.role().equals("ipython")) ? 1 : 0;
      system += msgs.get(0).role().equals("system") ? 1 : 0;
      assertEquals(want.get(i).get("text").asText(), f.renderText(msgs, true), "text of conversation " + i);
      assertArrayEquals(Fixtures.ints(want.get(i).get("ids")), f.renderPrompt(msgs, tok), "ids of conversation " + i);
    }
    assertTrue(ipython >= 5 && system >= 20, "coverage: ipython " + ipython + ", system " + system);
  }

  @Test
  void llama2ChatIdsEqualChatCompletionRecipe() {
    Tokenizer tok = TokenizerFiles.load(Fixtures.reference("spm-llama2-style.model"));
    List<JsonNode> rows = Fixtures.jsonl(Fixtures.reference("llama2-chat.jsonl"));
    assertTrue(rows.size() >= 20);
    Llama2ChatFormat f = new Llama2ChatFormat();
    for (JsonNode r : rows) {
      List<Message> msgs = messages(r.get("messages"));
      int[] want = Fixtures.ints(r.get("ids"));
      boolean endsWithUser = msgs.get(msgs.size() - 1).role().equals("user");
      int[] got = endsWithUser ? f.renderPrompt(msgs, tok) : f.render(msgs, tok, MaskPolicy.ASSISTANT).ids();
      assertArrayEquals(want, got, "conversation " + r.get("messages"));
    }
  }

  @Test
  void llama3MasksFollowThePolicies() {
    Tokenizer tok = Fixtures.tokenizer(Fixtures.asset("llama3"));
    Llama3ChatFormat f = new Llama3ChatFormat();
    List<Message> msgs = List.of(Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello there"),
        Message.user("2+2?"), Message.assistant("4"));
    int eot = tok.specialId("<|eot_id|>").getAsInt();
    int sh = tok.specialId("<|start_header_id|>").getAsInt();
    RenderedChat sft = f.render(msgs, tok, MaskPolicy.ASSISTANT);
    // targets: "Hello there" + eot, "4" + eot
    assertEquals(tok.decode(tok.encode("Hello there")) + "<|eot_id|>" + "4<|eot_id|>", tok.decode(targets(sft)));
    RenderedChat dpo = f.render(msgs, tok, MaskPolicy.ASSISTANT_CONTENT);
    assertEquals("Hello there4", tok.decode(targets(dpo)));
    for (int p : dpo.specialPositions()) {
      assertEquals(0, dpo.lossMask()[p], "special token at " + p + " must be masked for DPO");
    }
    RenderedChat gatt = f.render(msgs, tok, MaskPolicy.LAST_ASSISTANT);
    assertEquals("4<|eot_id|>", tok.decode(targets(gatt)));
    RenderedChat all = f.render(msgs, tok, MaskPolicy.ALL);
    assertEquals(all.ids().length, targets(all).length);
    assertArrayEquals(sft.ids(), gatt.ids());
    long headers = Arrays.stream(sft.specialPositions()).filter(p -> sft.ids()[p] == sh).count();
    assertEquals(5, headers);
    assertEquals(eot, sft.ids()[sft.ids().length - 1]);
    assertArrayEquals(new int[] {eot, 128001}, f.stopTokens(tok));
  }

  @Test
  void llama3EomEndsToolCallsPerMetaPromptFormat() {
    // The 3.0 tokenizer has no <|eom_id|>; Llama 3.1's prompt format (Meta's documentation, METHODS.md) ends an
    // assistant turn that calls a tool with <|eom_id|>. Checked on a 3.1-named tiktoken vocabulary.
    Tokenizer tok31;
    try {
      tok31 = new TiktokenTokenizerProvider().load(Fixtures.asset("llama3-tiktoken/tokenizer.model"), TiktokenTokenizerProvider.Options.defaults());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Llama3ChatFormat f = new Llama3ChatFormat();
    List<Message> msgs = List.of(Message.user("Weather?"), Message.toolCall("weather()"), Message.ipython("sunny"));
    assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWeather?<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n<|python_tag|>weather()<|eom_id|>"
        + "<|start_header_id|>ipython<|end_header_id|>\n\nsunny<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n", f.renderText(msgs, true));
    int[] ids = f.renderPrompt(msgs, tok31);
    assertEquals(128008, tok31.specialId("<|eom_id|>").getAsInt());
    assertTrue(Arrays.stream(ids).anyMatch(x -> x == 128008));
    // the call starts with the <|python_tag|> id (128010 in Llama 3.1), not with its text
    assertEquals(128010, tok31.specialId("<|python_tag|>").getAsInt());
    assertArrayEquals(tok31.encode(f.renderText(msgs, true), false, false, true), ids);
    Tokenizer tok30 = Fixtures.tokenizer(Fixtures.asset("llama3"));
    Align4jException e = assertThrows(Align4jException.class, () -> f.renderPrompt(msgs, tok30));
    assertTrue(e.getMessage().contains("<|eom_id|>"), e.getMessage());
  }

  static int[] targets(RenderedChat c) {
    return java.util.stream.IntStream.range(0, c.ids().length).filter(i -> c.lossMask()[i] == 1).map(i -> c.ids()[i]).toArray();
  }
}
