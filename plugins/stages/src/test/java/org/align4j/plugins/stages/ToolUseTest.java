package org.align4j.plugins.stages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.plugins.tokenizers.Llama3ChatFormat;
import org.align4j.plugins.tokenizers.TokenizerFiles;
import org.align4j.plugins.tokenizers.TokenizerTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolUseTest {
  @TempDir static Path dir;
  static Tokenizer tok;

  @BeforeAll
  static void tokenizer() throws Exception {
    Path corpus = dir.resolve("corpus.txt");
    Files.writeString(corpus, "What is 37 * 24 + 15? calculator.call(query=\"37 * 24 + 15\") 903 The answer.\n".repeat(50));
    TokenizerTrainer.train(corpus, dir.resolve("tok"), TokenizerTrainer.Config.llama3(600));
    tok = TokenizerFiles.load(dir.resolve("tok"));
  }

  @Test
  void calculatorComputesWithPrecedenceAndNeverRunsCode() {
    assertEquals("903", Calculator.evaluate("37 * 24 + 15"));
    assertEquals("1525", Calculator.evaluate("(37 + 24) * 25"));
    assertEquals("-7", Calculator.evaluate("3 - 2 * 5"));
    assertEquals("2.5", Calculator.evaluate("10 / 4"));
    assertEquals("0.333333333333", Calculator.evaluate("1/3"));
    assertEquals("7", Calculator.evaluate("-(-7)"));
    assertEquals("0", Calculator.evaluate("5 - 5.0"));
    assertEquals("error: division by zero", Calculator.evaluate("1 / (2 - 2)"));
    assertTrue(Calculator.evaluate("System.exit(1)").startsWith("error: expected a number at 1"));
    assertTrue(Calculator.evaluate("2 +").startsWith("error: expression ends early"));
    assertTrue(Calculator.evaluate("(2 + 3").startsWith("error: missing ')'"));
    assertTrue(Calculator.evaluate("2 3").startsWith("error: unexpected '3' at 3"));
    assertTrue(Calculator.evaluate("(".repeat(40) + "1" + ")".repeat(40)).contains("nested deeper"));
    assertTrue(Calculator.evaluate("1+".repeat(150) + "1").contains("longer than"));
  }

  @Test
  void callsAreParsedByToolName() {
    ToolUse t = ToolUse.of(List.of("calculator"), 3, tok);
    assertEquals("903", t.answer("calculator.call(query=\"37 * 24 + 15\")"));
    assertEquals("903", t.answer(" calculator.call(\"37*24+15\") "));
    assertTrue(t.answer("search.call(query=\"x\")").startsWith("error: unknown tool 'search'"));
    assertTrue(t.answer("37 * 24").startsWith("error: a call looks like calculator.call"));
    assertNull(ToolUse.of(List.of(), 3, tok), "no tools: no tool use");
    assertEquals("unknown tool 'shell'; available: [calculator]", ToolUse.problem(List.of("shell")));
    var opts = assertThrows(IllegalArgumentException.class, () -> new GenerateStage.Options(null,
        new SamplingOptions(1, 0, 1, 8), 0, 1, 0, null, List.of("shell"), 3));
    assertTrue(opts.getMessage().contains("unknown tool 'shell'"), opts.getMessage());
  }

  /** A generator that answers each prompt from a script: the n-th call to generate gives the n-th answers. */
  static final class ScriptedGenerator implements Generator {
    final List<List<int[]>> prompts = new ArrayList<>();
    final List<List<int[]>> script;

    ScriptedGenerator(List<List<int[]>> script) {
      this.script = script;
    }

    @Override
    public List<Generation> generate(LanguageModel model, List<int[]> ps, Sampling sampling) {
      prompts.add(ps);
      List<int[]> answers = script.get(prompts.size() - 1);
      List<Generation> out = new ArrayList<>();
      for (int i = 0; i < ps.size(); i++) {
        int[] a = answers.get(i);
        out.add(new Generation(ps.get(i), a, new float[a.length], true));
      }
      return out;
    }

    @Override
    public List<float[]> logprobs(LanguageModel model, List<int[]> sequences, int batchSize) {
      throw new UnsupportedOperationException();
    }
  }

  static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  @Test
  void aToolCallGetsTheAnswerAsAnIpythonMessageAndTheModelContinues() {
    int tag = tok.specialId(Message.PYTHON_TAG).getAsInt();
    int eom = tok.specialId("<|eom_id|>").getAsInt();
    int eot = tok.specialId("<|eot_id|>").getAsInt();
    var format = new Llama3ChatFormat();
    List<Message> toolPrompt = List.of(Message.system("Environment: ipython\nTools: calculator"),
        Message.user("What is 37 * 24 + 15?"));
    List<Message> plainPrompt = List.of(Message.user("What is 2 + 2?"));
    int[] call = concat(new int[] {tag}, tok.encode("calculator.call(query=\"37 * 24 + 15\")"), new int[] {eom});
    int[] direct = concat(tok.encode("4"), new int[] {eot});
    int[] answer = concat(tok.encode("903"), new int[] {eot});
    var gen = new ScriptedGenerator(List.of(List.of(call, direct), List.of(answer)));
    var sampling = Generator.Sampling.greedy(16).withStopTokens(Set.of(eom, eot));
    var first = gen.generate(null, List.of(format.renderPrompt(toolPrompt, tok), format.renderPrompt(plainPrompt, tok)),
        sampling);
    var results = ToolUse.of(List.of("calculator"), 3, tok)
        .continueCalls(gen, null, 4096, format, tok, List.of(toolPrompt, plainPrompt), first, sampling);

    assertEquals(2, gen.prompts.size(), "one more generate call, for the row that called the tool only");
    assertEquals(1, gen.prompts.get(1).size());
    var expectedTranscript = new ArrayList<>(toolPrompt);
    expectedTranscript.add(Message.toolCall("calculator.call(query=\"37 * 24 + 15\")"));
    expectedTranscript.add(Message.ipython("903"));
    assertArrayEquals(format.renderPrompt(expectedTranscript, tok), gen.prompts.get(1).get(0),
        "the second prompt is the conversation with the call and the calculator's answer");
    String text = format.renderText(expectedTranscript, true);
    assertTrue(text.endsWith("<|python_tag|>calculator.call(query=\"37 * 24 + 15\")<|eom_id|><|start_header_id|>ipython"
        + "<|end_header_id|>\n\n903<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"), text);
    assertEquals(1, results.get(0).calls());
    assertArrayEquals(answer, results.get(0).last().tokens());
    assertEquals(call.length + answer.length, results.get(0).tokens());
    assertEquals(expectedTranscript, results.get(0).transcript());
    assertEquals(0, results.get(1).calls());
    assertArrayEquals(direct, results.get(1).last().tokens());

    // a prompt that would no longer fit the context keeps the call as the answer
    var gen2 = new ScriptedGenerator(List.of(List.of(call)));
    var first2 = gen2.generate(null, List.of(format.renderPrompt(toolPrompt, tok)), sampling);
    var kept = ToolUse.of(List.of("calculator"), 3, tok)
        .continueCalls(gen2, null, 40, format, tok, List.of(toolPrompt), first2, sampling);
    assertEquals(1, gen2.prompts.size());
    assertEquals(0, kept.get(0).calls());
  }
}
