package org.align4j.plugins.stages;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;

/**
 * Tool calls during generation, Llama 3.1 style: a response that starts with {@code <|python_tag|>} and ends with
 * {@code <|eom_id|>} is a call {@code name.call(query="...")}; the tool's answer is appended as an {@code ipython}
 * message and the model continues, until it answers without a call or {@code maxCalls} calls were made. Tools are
 * programs of this class's table, never code execution.
 */
final class ToolUse {
  /** Tool ids a recipe may enable. */
  static final List<String> TOOLS = List.of(Calculator.NAME);

  private static final Pattern CALL =
      Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\.call\\(\\s*(?:[A-Za-z_]+\\s*=\\s*)?\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)\\s*");

  private final List<String> enabled;
  private final int maxCalls;
  private final int pythonTag;
  private final int eom;

  private ToolUse(List<String> enabled, int maxCalls, int pythonTag, int eom) {
    this.enabled = enabled;
    this.maxCalls = maxCalls;
    this.pythonTag = pythonTag;
    this.eom = eom;
  }

  /** Why {@code tools} cannot be enabled, or null. */
  static String problem(List<String> tools) {
    for (String t : tools) {
      if (!TOOLS.contains(t)) {
        return "unknown tool '" + t + "'; available: " + TOOLS;
      }
    }
    return null;
  }

  /** Tool use for {@code tools}, or null when none is enabled; the tokenizer must have the Llama 3.1 specials. */
  static ToolUse of(List<String> tools, int maxCalls, Tokenizer tok) {
    if (tools.isEmpty() || maxCalls == 0) {
      return null;
    }
    var tag = tok.specialId(Message.PYTHON_TAG);
    var eom = tok.specialId("<|eom_id|>");
    if (tag.isEmpty() || eom.isEmpty()) {
      throw new IllegalArgumentException("tools need a tokenizer with <|python_tag|> and <|eom_id|> (a llama3"
          + " tokenizer with Llama 3.1 specials, e.g. tokenizer-train format llama3); this one has neither");
    }
    return new ToolUse(List.copyOf(tools), maxCalls, tag.getAsInt(), eom.getAsInt());
  }

  /** The tool's answer to {@code call} (the text between {@code <|python_tag|>} and {@code <|eom_id|>}). */
  String answer(String call) {
    Matcher m = CALL.matcher(call);
    if (!m.matches()) {
      return "error: a call looks like " + TOOLS.get(0) + ".call(query=\"2 + 3\")";
    }
    String name = m.group(1);
    if (!enabled.contains(name)) {
      return "error: unknown tool '" + name + "'; available: " + enabled;
    }
    String query = m.group(2).replace("\\\"", "\"").replace("\\\\", "\\");
    return Calculator.evaluate(query);
  }

  /** One row's generation with its tool turns. */
  record Result(List<Message> transcript, Generator.Generation last, int calls, int tokens, double logprob) {}

  /**
   * Continues every row whose generation is a tool call: runs the tool, appends the call and the answer to the row's
   * conversation and generates again, for all such rows of a batch at once. Rows whose next prompt would not fit
   * the model's context ({@code context} tokens) keep their call as the answer.
   */
  List<Result> continueCalls(Generator generator, LanguageModel model, int context, ChatFormat format, Tokenizer tok,
      List<List<Message>> prompts, List<Generator.Generation> first, Generator.Sampling sampling) {
    List<Result> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      out.add(new Result(new ArrayList<>(prompts.get(i)), first.get(i), 0, first.get(i).tokens().length,
          sum(first.get(i).logprobs())));
    }
    for (int round = 1; round <= maxCalls; round++) {
      List<Integer> rows = new ArrayList<>();
      List<int[]> ids = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) {
        Result r = out.get(i);
        int[] t = r.last().tokens();
        if (r.calls() == round - 1 && r.last().stopped() && t.length >= 2 && t[0] == pythonTag
            && t[t.length - 1] == eom) {
          String call = tok.decode(java.util.Arrays.copyOfRange(t, 1, t.length - 1));
          List<Message> next = new ArrayList<>(r.transcript());
          next.add(Message.toolCall(call.strip()));
          next.add(Message.ipython(answer(call)));
          int[] p = format.renderPrompt(next, tok);
          if (p.length + sampling.maxNewTokens() <= context) {
            rows.add(i);
            ids.add(p);
            out.set(i, new Result(next, r.last(), r.calls(), r.tokens(), r.logprob()));
          }
        }
      }
      if (rows.isEmpty()) {
        break;
      }
      // other numbers than the first call's for the same rows, reproducibly
      var gens = generator.generate(model, ids, new Generator.Sampling(sampling.maxNewTokens(),
          sampling.temperature(), sampling.topK(), sampling.topP(), sampling.stopTokens(),
          sampling.seed() * 1_000_003L + round, sampling.useCache(), sampling.batchSize(), sampling.precision()));
      for (int j = 0; j < rows.size(); j++) {
        Result r = out.get(rows.get(j));
        Generator.Generation g = gens.get(j);
        out.set(rows.get(j), new Result(r.transcript(), g, round, r.tokens() + g.tokens().length,
            r.logprob() + sum(g.logprobs())));
      }
    }
    return out;
  }

  private static double sum(float[] a) {
    double s = 0;
    for (float f : a) {
      s += f;
    }
    return s;
  }
}
