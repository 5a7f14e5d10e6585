package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.toolkit.data.Rows;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool calls in the llama3 chat format against Meta's published Llama 3.1 prompt format ("Llama 3.1 model cards and
 * prompt formats", section "Built-in tool calling": system prompt with {@code Environment: ipython} and a
 * {@code Tools:} line; the model's call {@code <|python_tag|>tool.call(query="...")<|eom_id|>}; the executor's answer
 * in an {@code ipython} message ending with {@code <|eot_id|>}; then the assistant header for the final answer).
 * The expected text is written out from that document's layout; ids are checked against the tokenizer's own
 * special-token parsing (itself checked against tiktoken in the tokenizer reference tests) and round-trip.
 */
class ChatFormatToolCallTest {
  @TempDir static Path dir;
  static Tokenizer tok;

  @BeforeAll
  static void tokenizer() throws Exception {
    Path corpus = dir.resolve("corpus.txt");
    Files.writeString(corpus, "Environment: ipython. Tools: calculator. What is 37 * 24 + 15? 903\n".repeat(40));
    TokenizerTrainer.train(corpus, dir.resolve("tok"), TokenizerTrainer.Config.llama3(600));
    tok = TokenizerFiles.load(dir.resolve("tok"));
  }

  static final List<Message> CONVERSATION = List.of(
      Message.system("Environment: ipython\nTools: calculator"),
      Message.user("What is 37 * 24 + 15?"),
      Message.toolCall("calculator.call(query=\"37 * 24 + 15\")"),
      Message.ipython("903"),
      Message.assistant("903"));

  static final String META_LAYOUT = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
      + "Environment: ipython\nTools: calculator<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
      + "What is 37 * 24 + 15?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
      + "<|python_tag|>calculator.call(query=\"37 * 24 + 15\")<|eom_id|><|start_header_id|>ipython<|end_header_id|>\n\n"
      + "903<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
      + "903<|eot_id|>";

  @Test
  void toolCallTextAndIdsFollowTheLlama31Layout() {
    var f = new Llama3ChatFormat();
    assertEquals(META_LAYOUT, f.renderText(CONVERSATION, false));
    RenderedChat r = f.render(CONVERSATION, tok, MaskPolicy.ASSISTANT);
    assertArrayEquals(tok.encode(META_LAYOUT, false, false, true), r.ids(), "ids = the text with specials parsed");
    assertEquals(META_LAYOUT, tok.decode(r.ids()), "ids round-trip to the text");
    // the prompt for the final answer ends after the ipython message with the assistant header
    String prompt = META_LAYOUT.substring(0, META_LAYOUT.length() - "903<|eot_id|>".length());
    assertArrayEquals(tok.encode(prompt, false, false, true), f.renderPrompt(CONVERSATION.subList(0, 4), tok));
  }

  @Test
  void theModelLearnsToEmitTheTagTheCallAndEomButNotTheToolsAnswer() {
    var f = new Llama3ChatFormat();
    RenderedChat r = f.render(CONVERSATION, tok, MaskPolicy.ASSISTANT);
    StringBuilder targets = new StringBuilder();
    int[] ids = r.ids();
    for (int i = 0; i < ids.length; i++) {
      if (r.lossMask()[i] != 0) {
        targets.append(tok.decode(new int[] {ids[i]}));
      }
    }
    assertEquals("<|python_tag|>calculator.call(query=\"37 * 24 + 15\")<|eom_id|>903<|eot_id|>", targets.toString());
    RenderedChat content = f.render(CONVERSATION, tok, MaskPolicy.ASSISTANT_CONTENT);
    StringBuilder c = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      if (content.lossMask()[i] != 0) {
        c.append(tok.decode(new int[] {content.ids()[i]}));
      }
    }
    assertEquals("<|python_tag|>calculator.call(query=\"37 * 24 + 15\")903", c.toString(),
        "assistant_content masks the termination tokens, not the tag that starts a call");
  }

  @Test
  void toolCallsSurviveADatasetRowAndTagTextInOtherMessagesStaysText() {
    var back = Rows.messages(Rows.conversation(CONVERSATION));
    assertEquals(CONVERSATION, back);
    assertTrue(back.get(2).expectsToolResult());
    // a user typing the tag is text, not a tool call
    var user = Rows.messages(Rows.conversation(List.of(Message.user("<|python_tag|>x"))));
    assertFalse(user.get(0).expectsToolResult());
    int tag = tok.specialId("<|python_tag|>").getAsInt();
    int[] ids = new Llama3ChatFormat().renderPrompt(user, tok);
    assertFalse(java.util.Arrays.stream(ids).anyMatch(i -> i == tag), "special-token text in a content never becomes the id");
  }
}
