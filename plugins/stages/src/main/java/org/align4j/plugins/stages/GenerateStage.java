package org.align4j.plugins.stages;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.SamplingOptions;
import org.align4j.api.metrics.Progress;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Samples K responses per prompt from a checkpoint (KV cache, temperature/top-p or greedy, the chat format's
 * stop tokens) into the samples schema: the prompt conversation, the response, its sample index, the policy
 * name, the sum of the response's log-probabilities, and the prompt row's scalar columns (task metadata that
 * program rewards need). With {@code tools}, a response that calls a tool gets the tool's answer and continues
 * ({@link ToolUse}); the response is then the final answer and {@code transcript} holds the whole exchange.
 */
@ProviderInfo(id = "generate",
    description = "samples K responses per prompt from a checkpoint into the samples schema")
@StagePort(input = "model", description = "checkpoint directory")
@StagePort(input = "prompts",
    description = "dataset of prompt conversations (messages ending with a user turn) + metadata")
@StagePort(input = "tokenizer",
    description = "tokenizer (default: defaults.tokenizer, else the model's)", required = false)
@StagePort(output = "samples", description = "samples dataset (Arrow IPC)")
public final class GenerateStage implements Stage<GenerateStage.Options> {
  public record Options(
      @Doc("chat format id (default: defaults.chat_format)") String chatFormat,
      @Doc("samples_per_prompt, temperature (0: greedy), top_p, max_new_tokens")
          @Default("{samples_per_prompt: 1, temperature: 0.0, top_p: 1.0, max_new_tokens: 48}") @Flat
          SamplingOptions sampling,
      @Doc("top-k (0 = off)") @Default("0") int topK,
      @Doc("prompts per forward batch") @Default("32") int batchSize,
      @Doc("use at most this many prompts (0: all)") @Default("0") int limit,
      @Doc("name written to the policy column (default: the stage id)") String policy,
      @Doc("tools the model may call, Llama 3.1 style (<|python_tag|>call<|eom_id|>, the answer as an ipython"
          + " message): [calculator]; adds the columns tool_calls and transcript") @Default("[]") List<String> tools,
      @Doc("tool calls per response at most") @Default("3") int maxToolCalls) {
    public Options {
      tools = tools == null ? List.of() : List.copyOf(tools);
      String toolProblem = ToolUse.problem(tools);
      if (toolProblem != null) {
        throw new IllegalArgumentException("tools: " + toolProblem);
      }
      if (maxToolCalls < 0 || maxToolCalls > 16) {
        throw new IllegalArgumentException("max_tool_calls must be in [0, 16], got " + maxToolCalls);
      }
      if (sampling.samplesPerPrompt() < 1 || batchSize < 1) {
        throw new IllegalArgumentException("samples_per_prompt and batch_size must be >= 1");
      }
      if (sampling.maxNewTokens() > LmTraining.MAX_SEQ_LEN) {
        throw new IllegalArgumentException("max_new_tokens must be <= " + LmTraining.MAX_SEQ_LEN
            + " (and within the model's context), got " + sampling.maxNewTokens());
      }
      if (limit < 0 || topK < 0) {
        throw new IllegalArgumentException("limit and top_k must be >= 0 (0: off), got " + limit + ", " + topK);
      }
    }
  }

  @Inject Models models;
  @Inject Generator generator;
  @Inject DatasetStore store;
  @Inject Distributed dist;

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    ChatInputs chat = ChatInputs.open(ctx, o.chatFormat());
    Tokenizer tok = chat.tokenizer();
    ChatFormat format = chat.format();
    var prompts = StageSupport.InputRows.read(ctx, ctx.input("prompts"), o.limit());
    var stops = ChatInputs.stopTokens(format, tok);
    var meta = new ArrayList<String>();
    if (!prompts.isEmpty()) {
      for (var e : prompts.get(0).entrySet()) {
        if (!e.getKey().equals(Schemas.MESSAGES) && !e.getKey().equals(Schemas.PROMPT) && !(e.getValue() instanceof List)
            && !(e.getValue() instanceof Map) && !isSampleColumn(e.getKey())) {
          meta.add(e.getKey());
        }
      }
    }
    var fields = new ArrayList<Field>(List.of(Schemas.conversation(Schemas.PROMPT), Schemas.utf8(Schemas.RESPONSE),
        Schemas.field(Schemas.SAMPLE_INDEX, Schemas.INT32), Schemas.utf8(Schemas.POLICY),
        Schemas.field("logprob", Schemas.FLOAT32), Schemas.field("response_tokens", Schemas.INT32),
        Schemas.field("stopped", Schemas.BOOL)));
    meta.forEach(m -> fields.add(Schemas.utf8(m)));
    ToolUse tools = ToolUse.of(o.tools(), o.maxToolCalls(), tok);
    if (tools != null) {
      fields.add(Schemas.field(TOOL_CALLS, Schemas.INT32));
      fields.add(Schemas.conversation(TRANSCRIPT));
    }
    String policy = o.policy() != null ? o.policy() : ctx.stageId();
    int total = prompts.size() * o.sampling().samplesPerPrompt();
    try (var model = models.load(chat.modelDir(), Models.LoadOptions.frozen());
        DatasetWriter w = store.create(ctx.output("samples"), new Schema(fields));
        Progress p = ctx.progress("generate", total, "samples")) {
      int chunk = o.batchSize() * 4;
      int chunks = (total + chunk - 1) / chunk;
      // chunks split across the ranks (each a fixed slice with its own seed, so the rows do not depend on the ranks)
      // and written in order: N ranks write what one process writes
      dist.<ArrayList<LinkedHashMap<String, Object>>>forEachChunk(chunks, c -> {
        int start = c * chunk;
        int end = Math.min(total, start + chunk);
        var rows = new ArrayList<LinkedHashMap<String, Object>>(end - start);
        var ids = new ArrayList<int[]>(end - start);
        var convs = new ArrayList<List<Message>>(end - start);
        for (int k = start; k < end; k++) {
          int pi = k / o.sampling().samplesPerPrompt();
          List<Message> conv = prompts.conversation(pi);
          if (!conv.isEmpty() && conv.get(conv.size() - 1).role().equals("assistant")) {
            conv = conv.subList(0, conv.size() - 1); // a training conversation: generate its last answer anew
          }
          convs.add(conv);
          ids.add(format.renderPrompt(conv, tok));
        }
        // the seed depends on the chunk, so each (prompt, sample) draws its own numbers, reproducibly
        var sampling = o.sampling().sampling(o.topK(), stops, ctx.seed() * 31 + start, o.batchSize());
        var gens = generator.generate(model, ids, sampling);
        var withTools = tools == null ? null : tools.continueCalls(generator, model,
            model.config().maxPositionEmbeddings(), format, tok, convs, gens, sampling);
        for (int k = start; k < end; k++) {
          var g = withTools == null ? gens.get(k - start) : withTools.get(k - start).last();
          int[] toks = g.tokens();
          int n = toks.length;
          if (g.stopped() && n > 0) {
            n--; // the stop token is not part of the answer
          }
          double lp = 0;
          for (float f : g.logprobs()) {
            lp += f;
          }
          String response = tok.decode(java.util.Arrays.copyOf(toks, n)).strip();
          var row = new LinkedHashMap<String, Object>();
          row.put(Schemas.PROMPT, Rows.conversation(convs.get(k - start)));
          row.put(Schemas.RESPONSE, response);
          row.put(Schemas.SAMPLE_INDEX, k % o.sampling().samplesPerPrompt());
          row.put(Schemas.POLICY, policy);
          row.put("logprob", (float) (withTools == null ? lp : withTools.get(k - start).logprob()));
          row.put("response_tokens", withTools == null ? toks.length : withTools.get(k - start).tokens());
          row.put("stopped", g.stopped());
          if (withTools != null) {
            var r = withTools.get(k - start);
            var transcript = new ArrayList<>(r.transcript());
            transcript.add(Message.assistant(response));
            row.put(TOOL_CALLS, r.calls());
            row.put(TRANSCRIPT, Rows.conversation(transcript));
          }
          var src = prompts.get(k / o.sampling().samplesPerPrompt());
          for (String m : meta) {
            Object v = src.get(m);
            row.put(m, v == null ? null : v.toString());
          }
          rows.add(row);
        }
        p.advance(end - start);
        return rows;
      }, (c, rows) -> {
        for (var row : rows) {
          w.write(row);
        }
      });
      w.commit();
    }
  }

  static final String TOOL_CALLS = "tool_calls";
  static final String TRANSCRIPT = "transcript";

  private static boolean isSampleColumn(String name) {
    return name.equals(Schemas.RESPONSE) || name.equals(Schemas.SAMPLE_INDEX) || name.equals(Schemas.POLICY)
        || name.equals("logprob") || name.equals("response_tokens") || name.equals("stopped")
        || name.equals(TOOL_CALLS) || name.equals(TRANSCRIPT);
  }
}
